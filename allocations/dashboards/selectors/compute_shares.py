"""Dashboards 3 and 4: who gets the compute (by country, organisation type, mode, domain; demand per call),
and the fund and the partners' shares."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from allocations.dashboards.selectors.call_funnel import _funnel_where
from allocations.dashboards.selectors.filters import GRANTED, Filters, _periods, as_of, permille
from allocations.models import AccessMode, Call
from allocations.models.capacity import CapacityPeriod, Grant, Pool, PoolKind
from allocations.models.dashboards import ApplicationFunnelFact, CutoffFunnelSummary, GrantUsageSummary
from ledger import selectors as ledger_selectors
from ledger.shares import shares_in_basis_points
from portal.sql import table
from portal.units import gpu_seconds

# --- 3. who gets the compute ------------------------------------------------------------------------------------


@dataclass
class ShareRow:
    key: str
    label: str
    grants: int
    granted: int
    used: int


@dataclass
class CallDemand:
    call_id: int
    call: str
    requested: int  # GPU-seconds requested by submitted applications
    granted: int

    @property
    def oversubscription_permille(self) -> int | None:
        """Requested over granted, in permille (2500 = requested 2.5 times what was granted)."""
        return permille(self.requested, self.granted)


@dataclass
class Distribution:
    by_country: list[ShareRow]
    by_organisation_type: list[ShareRow]
    by_access_mode: list[ShareRow]
    by_ai_domain: list[ShareRow]
    total: ShareRow
    demand: list[CallDemand]
    as_of: datetime.datetime | None = None

    @property
    def startup_sme_granted(self) -> int:
        return sum(r.granted for r in self.by_organisation_type if r.key in ("startup", "sme"))

    @property
    def startup_sme_used(self) -> int:
        return sum(r.used for r in self.by_organisation_type if r.key in ("startup", "sme"))

    @property
    def startup_sme_permille(self) -> int | None:
        return permille(self.startup_sme_granted, self.total.granted)


# One scan of the usage summary, which carries each grant's status, hours and attributes as of the last refresh:
# grouped per dimension (and per call, for the demand table), then the few access modes joined for their names.
_DISTRIBUTION_SQL = """
SELECT d.country, d.organisation_type, m.code, m.name, m.position, d.ai_domain, d.call_id,
       d.g_country, d.g_type, d.g_mode, d.g_domain, d.g_call, d.n, d.granted, d.used
FROM (
    SELECT country, organisation_type, access_mode_id, ai_domain, call_id,
           GROUPING(country) AS g_country, GROUPING(organisation_type) AS g_type,
           GROUPING(access_mode_id) AS g_mode, GROUPING(ai_domain) AS g_domain, GROUPING(call_id) AS g_call,
           -- an award over several quarters counts once (grants made before awards existed count alone)
           COUNT(DISTINCT (SELECT COALESCE(g.award_id, -g.id) FROM {grant} g WHERE g.id = grant_id)) AS n,
           SUM(granted_seconds) AS granted, SUM(used_seconds) AS used
    FROM {summary}
    WHERE status = ANY(%(granted)s) AND {where}
    GROUP BY GROUPING SETS ((country), (organisation_type), (access_mode_id), (ai_domain), (call_id), ())
) d
LEFT JOIN {mode} m ON m.id = d.access_mode_id
"""


def _summary_where(filters: Filters) -> tuple[str, dict]:
    """The dashboard filters on the usage summary's copy of the grants (the same grants ``_grants`` selects)."""
    where, params = ["TRUE"], {}
    for column, value in (
        ("call_id", filters.call_id),
        ("access_mode_id", filters.mode_id),
        ("gigafactory_id", filters.gigafactory_id),
    ):
        if value:
            where.append(f"{column} = %({column})s")
            params[column] = value
    if filters.has_period:
        periods = table(CapacityPeriod)
        where.append(f"period_id IN (SELECT id FROM {periods} WHERE year = %(year)s AND quarter = %(quarter)s)")  # noqa: S608
        params.update(year=filters.year, quarter=filters.quarter)
    return " AND ".join(where), params


# GPU-hours requested per call by submitted applications, from the funnel summaries (as of the last refresh).
_DEMAND_SQL = """
SELECT r.call_id, c.title, COALESCE(SUM(r.requested), 0)::bigint
FROM (
    SELECT call_id, requested_gpu_hours AS requested FROM {summary} WHERE submitted > 0 AND {where}
    UNION ALL
    SELECT call_id, requested_gpu_hours FROM {fact} WHERE cutoff_id IS NULL AND submitted AND {where}
) r
JOIN {call} c ON c.id = r.call_id
GROUP BY r.call_id, c.title
"""


def distribution(*, filters: Filters) -> Distribution:
    """Granted (open and accepted offers) and used GPU-seconds by country, organisation type, access mode and AI
    domain, and requested versus granted per call, all as of the last summary refresh (the "as of" time the page
    shows). Three queries: the usage summary grouped in one GROUPING SETS scan, the requested hours from the funnel
    summaries, and the time of the refresh."""
    from django_countries import countries

    from accounts.models import OrganisationType
    from allocations.models import AIDomain

    where, params = _summary_where(filters)
    sql = _DISTRIBUTION_SQL.format(
        summary=table(GrantUsageSummary), mode=table(AccessMode), grant=table(Grant), where=where
    )
    params["granted"] = [str(s) for s in GRANTED]
    country_names = dict(countries)
    type_names = dict(OrganisationType.choices)
    domain_names = dict(AIDomain.choices)
    by_country, by_type, by_mode, by_domain = [], [], [], []
    granted_by_call: dict[int, int] = {}
    total = ShareRow("", "", 0, 0, 0)
    mode_order: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for country, org_type, code, mode_name, position, domain, call_id, *flags, n, granted, used in cursor:
            granted, used = int(granted or 0), int(used or 0)
            g_country, g_type, g_mode, g_domain, g_call = flags
            if not g_country:
                by_country.append(ShareRow(country, str(country_names.get(country, country)), n, granted, used))
            elif not g_type:
                by_type.append(ShareRow(org_type, str(type_names.get(org_type, org_type)), n, granted, used))
            elif not g_mode:
                mode_order[code] = position
                by_mode.append(ShareRow(code, mode_name, n, granted, used))
            elif not g_domain:
                label = domain_names.get(domain) if domain else None
                by_domain.append(ShareRow(domain or "", str(label or "—"), n, granted, used))
            elif not g_call:
                granted_by_call[call_id] = granted
            else:
                total = ShareRow("", "", n, granted, used)

    def by_granted(rows):
        return sorted(rows, key=lambda r: (-r.granted, r.label))

    where, params = _funnel_where(filters)
    with connection.cursor() as cursor:
        cursor.execute(
            _DEMAND_SQL.format(
                summary=table(CutoffFunnelSummary),
                fact=table(ApplicationFunnelFact),
                call=table(Call),
                where=where,
            ),
            params,
        )
        requested = {cid: {"call__title": title, "s": hours} for cid, title, hours in cursor.fetchall()}
    demand = [
        CallDemand(
            call_id=cid, call=r["call__title"], requested=gpu_seconds(r["s"]), granted=granted_by_call.get(cid, 0)
        )
        for cid, r in requested.items()
    ]
    demand.sort(key=lambda d: (d.call, d.call_id))
    return Distribution(
        by_country=by_granted(by_country),
        by_organisation_type=by_granted(by_type),
        by_access_mode=sorted(by_mode, key=lambda r: (mode_order.get(r.key, 0), r.label)),
        by_ai_domain=by_granted(by_domain),
        total=total,
        demand=demand,
        as_of=as_of(),
    )


# --- 4. fund and partners --------------------------------------------------------------------------------------


@dataclass
class PartnerShare:
    partner_id: int
    partner: str
    paid_in: int  # euro cents
    entitlement_bp: int
    pool_seconds: int
    pool_bp: int

    @property
    def gap_bp(self) -> int:
        """Share of partner-pool hours received minus the entitlement share (basis points)."""
        return self.pool_bp - self.entitlement_bp


@dataclass
class FundFigures:
    fund: object | None
    tranches: list
    partners: list[PartnerShare]


def fund_and_partners(*, filters: Filters) -> FundFigures:
    """Per tranche: target, pledged, paid and guaranteed (ledger selectors); per partner: entitlement share of the
    paid-in contributions versus the share of partner-pool GPU-seconds their pools received (within the
    Gigafactory and period filters). Six queries."""
    fund = ledger_selectors.current_fund()
    tranches = ledger_selectors.fund_overview(fund=fund) if fund else []
    entitlements = ledger_selectors.entitlements()
    pools = Pool.objects.filter(kind=PoolKind.PARTNER, period__in=_periods(filters))
    received = dict(pools.values("partner_id").annotate(s=Sum("size_seconds")).values_list("partner_id", "s"))
    pool_bp = shares_in_basis_points({e.partner.pk: received.get(e.partner.pk, 0) for e in entitlements})
    partners = [
        PartnerShare(
            partner_id=e.partner.pk,
            partner=e.partner.name,
            paid_in=e.paid_in,
            entitlement_bp=e.share_bp,
            pool_seconds=received.get(e.partner.pk, 0),
            pool_bp=pool_bp.get(e.partner.pk, 0),
        )
        for e in entitlements
    ]
    return FundFigures(fund=fund, tranches=tranches, partners=partners)
