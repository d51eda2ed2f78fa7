"""Dashboard 1, the overview: capacity, pools, grants, use and reclaims per Gigafactory and quarter."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from allocations.dashboards.selectors.filters import ACCEPTED, GRANTED, Filters, _grants, _periods, as_of, permille
from allocations.models.capacity import Pool, PoolKind
from allocations.models.usage import UsageReclaim

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
