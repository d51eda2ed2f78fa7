"""Reads for the allocation dashboards, the stats API and the public awards register.

Every figure is aggregated in PostgreSQL (GROUP BY with FILTER, GROUPING SETS, percentile_cont); Python only
merges a handful of grouped rows, so the number of queries does not grow with the data. Amounts are integer
GPU-seconds; rates are integer permille (1 permille = 0.1 %); durations are integer seconds.

Who may call what: the dashboard and stats readers (``dashboard_access``) are allocation admins, call managers and
finance admins (read only); the public register (``public_awards``) is for everybody and never returns a draft,
a rejected application or the hidden details of a call whose awards are confidential.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from allocations.capacity_models import CapacityPeriod, Grant, GrantStatus, Pool, PoolKind
from allocations.dashboard_models import (
    ApplicationFunnelFact,
    CutoffFunnelSummary,
    DashboardRefresh,
    GrantUsageSummary,
)
from allocations.models import AccessMode, Application, Call, CallCutoff, Gigafactory
from allocations.usage_models import UsageReclaim
from allocations.workflow import Action, Status
from ledger import selectors as ledger_selectors
from ledger.shares import shares_in_basis_points

SECONDS_PER_DAY = 86_400

# Grants that hold hours: an open offer or an accepted one (declined and expired offers gave their hours back).
GRANTED = (GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)
ACCEPTED = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)

# The funnel reads the stage an application reached from its status (the life cycle is linear). A withdrawn
# application counts as submitted if it was, and no further.
_AFTER_CHECK = (
    Status.IN_REVIEW,
    Status.REVIEWS_COMPLETE,
    Status.RIGHT_TO_REPLY,
    Status.PANEL,
    Status.APPROVED,
    Status.WAITLISTED,
    Status.REJECTED,
    Status.OFFERED,
    Status.ACCEPTED,
    Status.DECLINED,
    Status.ACTIVE,
    Status.CLOSED,
)
# Reviewed: the reviews are complete, or (modes without reviewers) the technical check sent it to the panel.
_REVIEWED = tuple(s for s in _AFTER_CHECK if s != Status.IN_REVIEW)
_APPROVED = (Status.APPROVED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED, Status.ACTIVE, Status.CLOSED)
_OFFERED = (Status.OFFERED, Status.ACCEPTED, Status.DECLINED, Status.ACTIVE, Status.CLOSED)
_ACCEPTED = (Status.ACCEPTED, Status.ACTIVE, Status.CLOSED)
FUNNEL_STAGES = {
    "drafts": Q(status=Status.DRAFT),
    "submitted": Q(submitted_at__isnull=False),
    "eligible": Q(status__in=_AFTER_CHECK),
    "reviewed": Q(status__in=_REVIEWED),
    "approved": Q(status__in=_APPROVED),
    "offered": Q(status__in=_OFFERED),
    "accepted": Q(status__in=_ACCEPTED),
}
# The same stages as statuses, for the funnel facts (``dashboard_services``): drafts and submitted are not by status.
FUNNEL_STATUSES = {
    "eligible": _AFTER_CHECK,
    "reviewed": _REVIEWED,
    "approved": _APPROVED,
    "offered": _OFFERED,
    "accepted": _ACCEPTED,
}
DECISION_ACTIONS = (Action.APPROVE, Action.WAITLIST, Action.REJECT)

# Applications whose grants the public register lists.
PUBLIC_APPLICATION_STATUSES = (Status.ACCEPTED, Status.ACTIVE, Status.CLOSED)


def dashboard_access(user: User) -> bool:
    """Allocation admins, call managers and finance admins read the dashboards and the stats API."""
    return user.is_authenticated and has_role(
        user, PlatformRole.ALLOCATION_ADMIN, PlatformRole.CALL_MANAGER, PlatformRole.FINANCE_ADMIN
    )


def permille(part: int, whole: int) -> int | None:
    """``part / whole`` in permille, rounded down; ``None`` when there is no whole."""
    return part * 1000 // whole if whole else None


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First day of the quarter and first day after it."""
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end


# --- filters ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The dashboard filters, as ids (resolved by ``allocations.dashboard_forms.FilterForm``)."""

    gigafactory_id: int | None = None
    year: int | None = None
    quarter: int | None = None
    call_id: int | None = None
    mode_id: int | None = None

    @property
    def has_period(self) -> bool:
        return self.year is not None and self.quarter is not None


@dataclass
class FilterChoices:
    gigafactories: list[tuple[int, str, str]]  # id, slug, name
    periods: list[tuple[int, int]]  # year, quarter
    calls: list[tuple[int, str, str]]  # id, slug, title
    modes: list[tuple[int, str, str]]  # id, code, name


def filter_choices() -> FilterChoices:
    """What the filter form offers. Four small queries."""
    return FilterChoices(
        gigafactories=list(Gigafactory.objects.order_by("name").values_list("pk", "slug", "name")),
        periods=list(CapacityPeriod.objects.order_by("-year", "-quarter").values_list("year", "quarter").distinct()),
        calls=list(Call.objects.order_by("-opens_at", "title").values_list("pk", "slug", "title")),
        modes=list(AccessMode.objects.order_by("position", "name").values_list("pk", "code", "name")),
    )


def _applications(filters: Filters) -> QuerySet[Application]:
    """Applications within the filters. The period is the quarter of the cut-off (drafts: of their creation)."""
    qs = Application.objects.all()
    if filters.call_id:
        qs = qs.filter(call_id=filters.call_id)
    if filters.mode_id:
        qs = qs.filter(call__access_mode_id=filters.mode_id)
    if filters.gigafactory_id:
        qs = qs.filter(call__gigafactories=filters.gigafactory_id)
    if filters.has_period:
        start, end = quarter_bounds(filters.year, filters.quarter)
        tz = timezone.get_current_timezone()
        start_at = datetime.datetime.combine(start, datetime.time.min, tz)
        end_at = datetime.datetime.combine(end, datetime.time.min, tz)
        qs = qs.filter(
            Q(cutoff__at__gte=start_at, cutoff__at__lt=end_at)
            | Q(cutoff__isnull=True, created_at__gte=start_at, created_at__lt=end_at)
        )
    return qs


def _grants(filters: Filters) -> QuerySet[Grant]:
    qs = Grant.objects.all()
    if filters.call_id:
        qs = qs.filter(application__call_id=filters.call_id)
    if filters.mode_id:
        qs = qs.filter(application__call__access_mode_id=filters.mode_id)
    if filters.gigafactory_id:
        qs = qs.filter(gigafactory_id=filters.gigafactory_id)
    if filters.has_period:
        qs = qs.filter(period__year=filters.year, period__quarter=filters.quarter)
    return qs


def _periods(filters: Filters) -> QuerySet[CapacityPeriod]:
    qs = CapacityPeriod.objects.all()
    if filters.gigafactory_id:
        qs = qs.filter(gigafactory_id=filters.gigafactory_id)
    if filters.has_period:
        qs = qs.filter(year=filters.year, quarter=filters.quarter)
    return qs


def as_of() -> datetime.datetime | None:
    """When the usage summary was last rebuilt (``None``: never). One query."""
    return DashboardRefresh.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()


# --- 1. overview -----------------------------------------------------------------------------------------------


@dataclass
class OverviewRow:
    period_id: int
    gigafactory_id: int
    gigafactory: str
    year: int
    quarter: int
    starts_on: datetime.date
    ends_on: datetime.date
    capacity: int = 0
    pooled: int = 0
    granted: int = 0
    accepted: int = 0
    used: int = 0
    reclaimed: int = 0
    today: datetime.date | None = None

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def remaining(self) -> int:
        """Accepted hours the grantees still hold: neither used nor reclaimed."""
        return max(self.accepted - self.used - self.reclaimed, 0)

    @property
    def offered_open(self) -> int:
        return max(self.granted - self.accepted, 0)

    @property
    def free_in_pools(self) -> int:
        return max(self.pooled - self.granted, 0)

    @property
    def not_pooled(self) -> int:
        return max(self.capacity - self.pooled, 0)

    @property
    def utilisation_permille(self) -> int | None:
        """Used over accepted."""
        return permille(self.used, self.accepted)

    @property
    def elapsed_days(self) -> int:
        today = self.today or timezone.localdate()
        end = min(today, self.ends_on)
        return max((end - self.starts_on).days, 0)

    @property
    def burn_rate(self) -> int | None:
        """GPU-seconds used per elapsed day of the period (``None`` before it starts)."""
        days = self.elapsed_days
        return self.used // days if days else None


@dataclass
class Overview:
    rows: list[OverviewRow]
    total: OverviewRow
    as_of: datetime.datetime | None

    def by_gigafactory(self) -> list[tuple[str, list[OverviewRow]]]:
        groups: dict[str, list[OverviewRow]] = {}
        for row in self.rows:
            groups.setdefault(row.gigafactory, []).append(row)
        return list(groups.items())


SUMMED = ("capacity", "pooled", "granted", "accepted", "used", "reclaimed")


def overview(*, filters: Filters, today: datetime.date | None = None) -> Overview:
    """Per Gigafactory and quarter: capacity, pooled, granted, accepted, used (from the usage summary), reclaimed,
    remaining, utilisation and burn rate. Call and mode filters narrow the grants (and the mode the pools). Five
    queries."""
    periods = list(
        _periods(filters)
        .order_by("gigafactory__name", "year", "quarter")
        .values_list(
            "pk", "gigafactory_id", "gigafactory__name", "year", "quarter", "starts_on", "ends_on", "capacity_seconds"
        )
    )
    pools = Pool.objects.filter(period__in=_periods(filters))
    if filters.mode_id:
        pools = pools.filter(kind=PoolKind.OPEN_ACCESS, access_mode_id=filters.mode_id)
    pooled = dict(pools.values("period_id").annotate(s=Sum("size_seconds")).values_list("period_id", "s"))
    grants = {
        row["period_id"]: row
        for row in _grants(filters)
        .values("period_id")
        .annotate(
            granted=Coalesce(Sum("granted_seconds", filter=Q(status__in=GRANTED)), 0),
            accepted=Coalesce(Sum("granted_seconds", filter=Q(status__in=ACCEPTED)), 0),
            used=Coalesce(Sum("usage_summary__used_seconds"), 0),
        )
    }
    reclaims = UsageReclaim.objects.filter(grant__in=_grants(filters))
    reclaimed = dict(reclaims.values("period_id").annotate(s=Sum("amount_seconds")).values_list("period_id", "s"))
    rows = []
    for pk, gf_id, gf_name, year, quarter, starts_on, ends_on, capacity in periods:
        g = grants.get(pk, {})
        rows.append(
            OverviewRow(
                period_id=pk,
                gigafactory_id=gf_id,
                gigafactory=gf_name,
                year=year,
                quarter=quarter,
                starts_on=starts_on,
                ends_on=ends_on,
                capacity=capacity,
                pooled=pooled.get(pk) or 0,
                granted=g.get("granted", 0),
                accepted=g.get("accepted", 0),
                used=g.get("used", 0),
                reclaimed=reclaimed.get(pk) or 0,
                today=today,
            )
        )
    total = OverviewRow(0, 0, "", 0, 0, datetime.date.min, datetime.date.min)
    for name in SUMMED:
        setattr(total, name, sum(getattr(r, name) for r in rows))
    return Overview(rows=rows, total=total, as_of=as_of())


# --- 2. call funnel --------------------------------------------------------------------------------------------


@dataclass
class FunnelRow:
    call_id: int
    call: str
    cutoff_id: int | None
    cutoff_at: datetime.datetime | None
    drafts: int = 0
    submitted: int = 0
    eligible: int = 0
    reviewed: int = 0
    approved: int = 0
    offered: int = 0
    accepted: int = 0
    decision_p50: int | None = None  # seconds from submission to the panel decision
    decision_p90: int | None = None
    first_use_p50: int | None = None  # seconds (whole days) from submission to the first day with GPU use
    first_use_p90: int | None = None

    @property
    def success_permille(self) -> int | None:
        """Approved over submitted."""
        return permille(self.approved, self.submitted)


@dataclass
class Funnel:
    rows: list[FunnelRow]
    totals: dict[str, int] = field(default_factory=dict)
    as_of: datetime.datetime | None = None

    @property
    def success_permille(self) -> int | None:
        return permille(self.totals.get("approved", 0), self.totals.get("submitted", 0))


_FUNNEL_AGGREGATES = """
        COUNT(*) FILTER (WHERE draft),
        COUNT(*) FILTER (WHERE submitted),
        COUNT(*) FILTER (WHERE eligible),
        COUNT(*) FILTER (WHERE reviewed),
        COUNT(*) FILTER (WHERE approved),
        COUNT(*) FILTER (WHERE offered),
        COUNT(*) FILTER (WHERE accepted),
        ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY decision_seconds)
              FILTER (WHERE decision_seconds IS NOT NULL))::bigint,
        ROUND(percentile_cont(0.9) WITHIN GROUP (ORDER BY decision_seconds)
              FILTER (WHERE decision_seconds IS NOT NULL))::bigint,
        ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY first_use_seconds)
              FILTER (WHERE first_use_seconds IS NOT NULL))::bigint,
        ROUND(percentile_cont(0.9) WITHIN GROUP (ORDER BY first_use_seconds)
              FILTER (WHERE first_use_seconds IS NOT NULL))::bigint
"""

# Per call and cut-off from the summary; applications without a cut-off (drafts, mostly) from their facts, where
# the period filter reads each one's creation time.
_FUNNEL_SQL = """
SELECT f.call_id, c.title, f.cutoff_id, co.at, f.drafts, f.submitted, f.eligible, f.reviewed, f.approved,
       f.offered, f.accepted, f.decision_p50, f.decision_p90, f.first_use_p50, f.first_use_p90
FROM (
    SELECT call_id, cutoff_id, drafts, submitted, eligible, reviewed, approved, offered, accepted,
           decision_p50, decision_p90, first_use_p50, first_use_p90
    FROM {summary} WHERE {where}
    UNION ALL
    SELECT call_id, NULL, {aggregates} FROM {fact} WHERE cutoff_id IS NULL AND {where} GROUP BY call_id
) f
JOIN {call} c ON c.id = f.call_id
LEFT JOIN {cutoff} co ON co.id = f.cutoff_id
ORDER BY c.title, f.call_id, co.at ASC NULLS LAST
"""


def _named(sql: str, params) -> tuple[str, dict]:
    """Positional ``%s`` parameters of ORM SQL as named ones, to embed it in a query with named parameters."""
    named, out = sql, {}
    for index, value in enumerate(params):
        named = named.replace("%s", f"%(p{index})s", 1)
        out[f"p{index}"] = value
    return named, out


def _funnel_where(filters: Filters) -> tuple[str, dict]:
    """The dashboard filters on the funnel facts: the same applications ``_applications`` selects (the period is
    the quarter of the cut-off, or of the creation for applications without one)."""
    where, params = ["TRUE"], {}
    if filters.call_id:
        where.append("call_id = %(call)s")
        params["call"] = filters.call_id
    if filters.mode_id:
        where.append(f"call_id IN (SELECT id FROM {Call._meta.db_table} WHERE access_mode_id = %(mode)s)")  # noqa: S608
        params["mode"] = filters.mode_id
    if filters.gigafactory_id:
        through = Call.gigafactories.through._meta
        call_col, gf_col = through.get_field("call").column, through.get_field("gigafactory").column
        where.append(f"call_id IN (SELECT {call_col} FROM {through.db_table} WHERE {gf_col} = %(gigafactory)s)")  # noqa: S608
        params["gigafactory"] = filters.gigafactory_id
    if filters.has_period:
        start, end = quarter_bounds(filters.year, filters.quarter)
        tz = timezone.get_current_timezone()
        where.append("period_at >= %(start_at)s AND period_at < %(end_at)s")
        params["start_at"] = datetime.datetime.combine(start, datetime.time.min, tz)
        params["end_at"] = datetime.datetime.combine(end, datetime.time.min, tz)
    return " AND ".join(where), params


def funnel(*, filters: Filters) -> Funnel:
    """Per call and cut-off: how many applications reached each stage, the success rate, and the median and 90th
    percentile time from submission to the panel decision and to the first day with GPU use. Read from the funnel
    summaries (rebuilt with the usage summary), as of the last refresh. Two queries."""
    where, params = _funnel_where(filters)
    sql = _FUNNEL_SQL.format(
        summary=CutoffFunnelSummary._meta.db_table,
        aggregates=_FUNNEL_AGGREGATES,
        fact=ApplicationFunnelFact._meta.db_table,
        call=Call._meta.db_table,
        cutoff=CallCutoff._meta.db_table,
        where=where,
    )
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for call_id, title, cutoff_id, cutoff_at, *counts, d50, d90, u50, u90 in cursor.fetchall():
            rows.append(
                FunnelRow(
                    call_id=call_id,
                    call=title,
                    cutoff_id=cutoff_id,
                    cutoff_at=cutoff_at,
                    **dict(zip(FUNNEL_STAGES, counts, strict=True)),
                    decision_p50=d50,
                    decision_p90=d90,
                    first_use_p50=u50,
                    first_use_p90=u90,
                )
            )
    totals = {name: sum(getattr(r, name) for r in rows) for name in FUNNEL_STAGES}
    return Funnel(rows=rows, totals=totals, as_of=as_of())


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
           COUNT(*) AS n, SUM(granted_seconds) AS granted, SUM(used_seconds) AS used
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
        table = CapacityPeriod._meta.db_table
        where.append(f"period_id IN (SELECT id FROM {table} WHERE year = %(year)s AND quarter = %(quarter)s)")  # noqa: S608
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
        summary=GrantUsageSummary._meta.db_table, mode=AccessMode._meta.db_table, where=where
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
                summary=CutoffFunnelSummary._meta.db_table,
                fact=ApplicationFunnelFact._meta.db_table,
                call=Call._meta.db_table,
                where=where,
            ),
            params,
        )
        requested = {cid: {"call__title": title, "s": hours} for cid, title, hours in cursor.fetchall()}
    demand = [
        CallDemand(call_id=cid, call=r["call__title"], requested=r["s"] * 3600, granted=granted_by_call.get(cid, 0))
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


# --- 5. reviewers ------------------------------------------------------------------------------------------------


@dataclass
class ReviewerLoad:
    reviewer_id: int
    reviewer: str
    assignments: int
    completed: int
    open: int
    overdue: int
    mean_review_seconds: int | None


def reviewers(*, filters: Filters, today: datetime.date | None = None) -> list[ReviewerLoad]:
    """Per reviewer: assignments held (pending, accepted, completed), completed, open, overdue (open past the due
    date) and the mean time from assignment to submitted review. One query."""
    from reviews.models import ACTIVE_ASSIGNMENT, AssignmentStatus, ReviewAssignment

    today = today or timezone.localdate()
    where, params = "TRUE", {}
    if filters != Filters():  # no filter: no semi-join with every application
        ids_sql, ids_params = _applications(filters).values("pk").query.sql_with_params()
        named_ids, params = _named(ids_sql, ids_params)
        where = f"application_id IN ({named_ids})"
    params.update(
        {
            "active": [str(s) for s in ACTIVE_ASSIGNMENT],
            "open": [str(AssignmentStatus.PENDING), str(AssignmentStatus.ACCEPTED)],
            "done": str(AssignmentStatus.COMPLETED),
            "today": today,
        }
    )
    # Aggregate per reviewer id first (a hash on an integer), then join the 300-odd reviewers for names and order.
    sql = f"""
        SELECT r.reviewer_id, u.full_name, u.email, r.assignments, r.completed, r.open, r.overdue, r.mean
        FROM (
            SELECT reviewer_id,
                   COUNT(*) FILTER (WHERE status = ANY(%(active)s)) AS assignments,
                   COUNT(*) FILTER (WHERE status = %(done)s) AS completed,
                   COUNT(*) FILTER (WHERE status = ANY(%(open)s)) AS open,
                   COUNT(*) FILTER (WHERE status = ANY(%(open)s) AND due_on < %(today)s) AS overdue,
                   AVG(completed_at - created_at) FILTER (WHERE status = %(done)s AND completed_at IS NOT NULL) AS mean
            FROM {ReviewAssignment._meta.db_table}
            WHERE {where}
            GROUP BY reviewer_id
        ) r
        JOIN {User._meta.db_table} u ON u.id = r.reviewer_id
        ORDER BY r.open DESC, u.full_name, u.email
    """  # noqa: S608 - table names from model metadata, the filter is the ORM's own SQL, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = ("reviewer_id", "reviewer__full_name", "reviewer__email", "assignments", "completed", "open")
        rows = [dict(zip((*columns, "overdue", "mean"), r, strict=True)) for r in cursor.fetchall()]
    return [
        ReviewerLoad(
            reviewer_id=r["reviewer_id"],
            reviewer=r["reviewer__full_name"] or r["reviewer__email"],
            assignments=r["assignments"],
            completed=r["completed"],
            open=r["open"],
            overdue=r["overdue"],
            mean_review_seconds=None if r["mean"] is None else int(r["mean"].total_seconds()),
        )
        for r in rows
    ]


# --- public awards register ------------------------------------------------------------------------------------

PUBLIC_FIELDS = (
    "pk",
    "confidential",
    "title",
    "acronym",
    "organisation",
    "country",
    "organisation_type",
    "gigafactory_name",
    "access_mode",
    "gpu_seconds",
    "period_start",
    "period_end",
    "year",
    "quarter",
)


def _hidden(value, output_field=None):
    """The value unless the call keeps its awards confidential (then empty, decided in SQL)."""
    return Case(
        When(application__call__awards_confidential=True, then=Value(None)),
        default=value,
        output_field=output_field or CharField(),
    )


# The register's order: newest period first, then Gigafactory name, then grant id (stable across pages).
PUBLIC_ORDER = ("-period__starts_on", "gigafactory__name", "pk")


class PublicAwardList:
    """The register's rows for a paginator (Django's and DRF's). ``count()`` counts the matching grants with only the
    joins the filters need (no display columns); a page slice first picks the page's grant ids on the narrow join
    that sorts them (grants, applications, periods, Gigafactories), then reads the display columns of those rows only.
    Both stay live: a declined grant or a renamed project shows on the next request."""

    ordered = True  # the paginator's check for a stable order

    def __init__(self, grants: QuerySet[Grant]):
        self._grants = grants

    def count(self) -> int:
        return self._grants.count()

    def __getitem__(self, index: slice) -> list[dict]:
        if not isinstance(index, slice):
            raise TypeError("the register is read a page (a slice) at a time")
        ids = list(self._grants.order_by(*PUBLIC_ORDER).values_list("pk", flat=True)[index])
        rows = {row["pk"]: row for row in _public_rows(Grant.objects.filter(pk__in=ids))}
        return [rows[pk] for pk in ids if pk in rows]

    def iterator(self, chunk_size: int = 2000):
        """Every row in the register's order, streamed (the CSV download)."""
        return _public_rows(self._grants.order_by(*PUBLIC_ORDER)).iterator(chunk_size=chunk_size)


def _public_rows(grants: QuerySet[Grant]) -> QuerySet:
    """``grants`` as dictionaries of ``PUBLIC_FIELDS``, the hidden fields of confidential calls emptied in SQL."""
    return grants.values(
        "pk",
        confidential=F("application__call__awards_confidential"),
        title=_hidden(F("application__title")),
        acronym=_hidden(F("application__acronym")),
        organisation=_hidden(F("application__organisation__legal_name")),
        country=F("application__organisation__country"),
        organisation_type=F("application__organisation__type"),
        gigafactory_name=_hidden(F("gigafactory__name")),
        access_mode=_hidden(F("application__call__access_mode__name")),
        gpu_seconds=_hidden(F("granted_seconds"), BigIntegerField()),
        period_start=_hidden(F("starts_on"), DateField()),
        period_end=_hidden(F("ends_on"), DateField()),
        year=_hidden(F("period__year"), IntegerField()),
        quarter=_hidden(F("period__quarter"), IntegerField()),
    )


def public_awards(
    *,
    search: str = "",
    gigafactory: str = "",
    mode: str = "",
    country: str = "",
    organisation_type: str = "",
    year: int | None = None,
) -> PublicAwardList:
    """Accepted grants (the application accepted, active or closed) as dictionaries of ``PUBLIC_FIELDS``, newest
    period first, read live. For a call whose awards are confidential only the organisation type and country leave
    the database; such rows also drop out as soon as a filter or search touches a hidden field, so a search cannot
    reveal them. A paginated page is three queries (count, the page's ids, their rows)."""
    qs = Grant.objects.filter(status__in=ACCEPTED, application__status__in=PUBLIC_APPLICATION_STATUSES)
    if search or gigafactory or mode or year:
        qs = qs.filter(application__call__awards_confidential=False)
    if search:
        qs = qs.filter(
            Q(application__title__icontains=search)
            | Q(application__acronym__icontains=search)
            | Q(application__organisation__legal_name__icontains=search)
            | Q(application__organisation__short_name__icontains=search)
        )
    if gigafactory:
        qs = qs.filter(gigafactory__slug=gigafactory)
    if mode:
        qs = qs.filter(application__call__access_mode__code=mode)
    if country:
        qs = qs.filter(application__organisation__country=country)
    if organisation_type:
        qs = qs.filter(application__organisation__type=organisation_type)
    if year:
        qs = qs.filter(period__year=year)
    return PublicAwardList(qs)


def public_filter_choices() -> dict:
    """Gigafactories, access modes and years that the register's filters offer. Three small queries."""
    return {
        "gigafactories": list(Gigafactory.objects.order_by("name").values_list("slug", "name")),
        "modes": list(AccessMode.objects.order_by("position", "name").values_list("code", "name")),
        "years": list(CapacityPeriod.objects.order_by("-year").values_list("year", flat=True).distinct()),
    }
