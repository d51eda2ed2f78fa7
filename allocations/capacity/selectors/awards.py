"""Reads of awards beyond a run: where a waitlisted application stands, and the partner pools and the direct
awards made from them (see the package docstring for who sees what)."""

import datetime

from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_allocation_admin
from allocations.applications.workflow import Status
from allocations.capacity.selectors import candidate_applications
from allocations.models import Application
from allocations.models.capacity import AllocationResult, Award, Pool, PoolKind, RunStatus


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
