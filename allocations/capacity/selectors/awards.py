"""Reads of awards beyond a run: where a waitlisted application stands, the partner pools and the direct awards
made from them, and the commitments waiting for future periods (see the package docstring for who sees what)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_allocation_admin
from allocations.applications.workflow import Status
from allocations.capacity.selectors import candidate_applications
from allocations.capacity.slices import award_slices
from allocations.models import Application, Gigafactory
from allocations.models.capacity import (
    AllocationResult,
    Award,
    CapacityPeriod,
    Grant,
    GrantStatus,
    Pool,
    PoolKind,
    RunStatus,
)


def _left_out_by_a_run(application: Application) -> bool:
    """Approved, without an award, and waitlisted by a committed run."""
    if application.status != Status.APPROVED or Award.objects.filter(application_id=application.pk).exists():
        return False
    return AllocationResult.objects.filter(
        application_id=application.pk, granted_seconds=0, run__status=RunStatus.COMMITTED
    ).exists()


def waitlist_place(*, application: Application, today: datetime.date | None = None) -> dict | None:
    """Where a waitlisted application stands: panel-waitlisted, or approved without an award after a committed run
    could not fit it. ``{"position": n, "count": m, "pool": pool}`` in the waitlist of the open-access pool of its
    access mode on its Gigafactory in the earliest split period not yet over (``pool`` ``None`` and no position
    when there is none yet), or ``None`` when the application is not waitlisted. Three queries."""
    if application.status != Status.WAITLISTED and not _left_out_by_a_run(application):
        return None
    today = today or timezone.localdate()
    gigafactories = (
        [application.preferred_gigafactory_id]
        if application.preferred_gigafactory_id
        else list(application.call.gigafactories.values_list("pk", flat=True))
    )
    pool = (
        Pool.objects.select_related("period__gigafactory", "access_mode")
        .filter(
            kind=PoolKind.OPEN_ACCESS,
            access_mode_id=application.call.access_mode_id,
            period__gigafactory_id__in=gigafactories,
            period__entitlements_on__isnull=False,
            period__ends_on__gt=today,
        )
        .order_by("period__starts_on", "pk")
        .first()
    )
    if pool is None:
        return {"position": None, "count": None, "pool": None}
    ranked = list(
        candidate_applications(pool=pool, waitlist=True)
        .order_by("panel_rank", F("submitted_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)
    )
    if application.pk not in ranked:
        return {"position": None, "count": None, "pool": pool}
    return {"position": ranked.index(application.pk) + 1, "count": len(ranked), "pool": pool}


def partner_pools_for_user(*, user: User) -> QuerySet[Pool]:
    """Partner pools ``user`` may award from: allocation admins every one, a partner's contacts their partner's;
    newest period first, with the ledger account for the balance."""
    pools = Pool.objects.filter(kind=PoolKind.PARTNER).select_related("period__gigafactory", "partner", "account")
    if not user.is_authenticated:
        return pools.none()
    if not is_allocation_admin(user):
        pools = pools.filter(partner__contact_users=user)
    return pools.order_by("-period__starts_on", "period__gigafactory__name", "partner__name")


def application_id_by_reference(reference: str) -> int | None:
    """The id of the application with this reference (case and surrounding spaces ignored), for a direct award
    named by reference on the page and the API; ``None`` when there is none."""
    return Application.objects.filter(reference__iexact=(reference or "").strip()).values_list("pk", flat=True).first()


def partner_awards_for_user(*, user: User) -> QuerySet[Award]:
    """Direct awards from partner pools: allocation admins see all, a partner's contacts their partner's."""
    awards = Award.objects.filter(kind=PoolKind.PARTNER).select_related(
        "application__organisation", "partner", "gigafactory", "created_by"
    )
    if not user.is_authenticated:
        return awards.none()
    if not is_allocation_admin(user):
        awards = awards.filter(partner__contact_users=user)
    return awards.order_by("-created_at", "-id")


# --- commitments ----------------------------------------------------------------------------------------------------

LIVE = (GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE)


@dataclass
class Commitment:
    """One award's slice in a quarter that has no grant yet: granted first when that quarter's period is split."""

    award: Award
    seconds: int
    starts_on: datetime.date
    ends_on: datetime.date


@dataclass
class QuarterCommitments:
    gigafactory: Gigafactory
    year: int
    quarter: int
    period: CapacityPeriod | None
    rows: list[Commitment] = field(default_factory=list)

    @property
    def total_seconds(self) -> int:
        return sum(row.seconds for row in self.rows)

    @property
    def by_pool(self) -> list[tuple[str, int]]:
        """(pool owner, GPU-seconds) in name order: what each pool of the quarter will hold back."""
        sums: dict[str, int] = {}
        for row in self.rows:
            owner = str(row.award.access_mode or row.award.partner)
            sums[owner] = sums.get(owner, 0) + row.seconds
        return sorted(sums.items())


def commitments_by_quarter(*, gigafactory_id: int | None = None, year: int | None = None, quarter: int | None = None):
    """Allocation admins: per Gigafactory and quarter whose period is not split yet (not created, or created and
    unsplit), the slices of live awards (offered, accepted or active) waiting for it, in quarter order. Optionally
    for one Gigafactory and quarter. Three queries."""
    awards = (
        Award.objects.filter(slices__status__in=LIVE)
        .distinct()
        .select_related("application", "gigafactory", "access_mode", "partner")
        .prefetch_related(Prefetch("slices", queryset=Grant.objects.select_related("period")))
        .order_by("pk")
    )
    if gigafactory_id is not None:
        awards = awards.filter(gigafactory_id=gigafactory_id)
    periods = {
        (p.gigafactory_id, p.year, p.quarter): p
        for p in CapacityPeriod.objects.filter(
            gigafactory_id__in={a.gigafactory_id for a in awards} if gigafactory_id is None else [gigafactory_id]
        )
    }
    quarters: dict[tuple[int, int, int], QuarterCommitments] = {}
    for award in awards:
        granted = {(g.period.year, g.period.quarter) for g in award.slices.all()}
        for piece in award_slices(award.total_seconds, award.starts_on, award.ends_on):
            key = (award.gigafactory_id, piece.year, piece.quarter)
            if piece.seconds == 0 or (piece.year, piece.quarter) in granted:
                continue
            if (year, quarter) != (None, None) and (piece.year, piece.quarter) != (year, quarter):
                continue
            period = periods.get(key)
            if period is not None and period.is_split:
                continue  # split after the award was made without a pool for it: nothing waits
            entry = quarters.setdefault(key, QuarterCommitments(award.gigafactory, piece.year, piece.quarter, period))
            entry.rows.append(Commitment(award, piece.seconds, piece.starts_on, piece.ends_on))
    return [quarters[key] for key in sorted(quarters, key=lambda k: (k[1], k[2], quarters[k].gigafactory.name))]
