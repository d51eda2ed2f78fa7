"""Reads for capacity periods, pools, allocation runs and grants.

Who sees what: allocation admins see every period, pool and run (staff pages); finance admins and partner contacts
read pools (finance admins all of them, partner contacts their partner's); members of an applicant organisation see
the grants of its applications. Views and the API answer 404 to anybody else, and 403 to platform staff without
the allocation admin role on the admin pages.
"""

import datetime
import hashlib
import json

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PlatformRole, has_role, is_allocation_admin, is_platform_staff
from allocations.applications.workflow import Status
from allocations.capacity.slices import award_slices, project_from, slice_for
from allocations.capacity.solver import Reason
from allocations.capacity.split import OpenAccessShare, open_access_share
from allocations.models import Application, Call
from allocations.models.capacity import (
    AllocationResult,
    AllocationRun,
    Award,
    CapacityPeriod,
    Grant,
    GrantStatus,
    Pool,
    PoolKind,
    RunStatus,
)
from ledger.models import Account, Ledger, Partner, PartnerKind, Transfer
from portal.units import gpu_hours, gpu_seconds

# Applications without a panel rank are considered after every ranked one (then by submission time and id).
UNRANKED = 2**31 - 1


def admin_access(user: User) -> str:
    """``"admin"`` for allocation admins, ``"staff"`` for other platform staff (403), ``""`` for others (404)."""
    if is_allocation_admin(user):
        return "admin"
    if user.is_authenticated and is_platform_staff(user):
        return "staff"
    return ""


# --- periods and pools ------------------------------------------------------------------------------------------


def periods_list() -> QuerySet[CapacityPeriod]:
    """Every period with its Gigafactory, pools and ledger account (allocation admins). Three queries."""
    return CapacityPeriod.objects.select_related("gigafactory", "account").prefetch_related(
        Prefetch("pools", queryset=Pool.objects.select_related("access_mode", "partner", "account"))
    )


def period_detail(*, pk: int) -> CapacityPeriod:
    return periods_list().get(pk=pk)


def pools_for_user(*, user: User) -> QuerySet[Pool]:
    """Allocation and finance admins: every pool; partner contacts: their partners' pools; others: none."""
    pools = Pool.objects.select_related("period__gigafactory", "access_mode", "partner", "account").order_by(
        "-period__starts_on", "period__gigafactory__name", "kind", "access_mode__position", "partner__name"
    )
    if not user.is_authenticated:
        return pools.none()
    if has_role(user, PlatformRole.ALLOCATION_ADMIN, PlatformRole.FINANCE_ADMIN):
        return pools
    return pools.filter(partner__contact_users=user)


def pool_balance(account: Account) -> int:
    """GPU-seconds still free in a pool account: posted credits minus posted and pending debits."""
    return account.credits_posted - account.debits_posted - account.debits_pending


def paid_in_as_of(*, day: datetime.date) -> dict[int, int]:
    """Each partner's paid-in contributions (posted, net of reversals) at the end of ``day``, in euro cents.

    Same definition as ``ledger.selectors.entitlements`` but read from the journal up to a date. Two queries.
    """
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    posted = Transfer.objects.filter(created_at__lt=end, pending=False, void_pending=False, ledger__code=Ledger.EUR)
    paid: dict[int, int] = {}
    for side, sign in (("debit_account", 1), ("credit_account", -1)):
        rows = (
            posted.filter(**{f"{side}__owner_kind": "partner"})
            .values_list(f"{side}__partner_id")
            .annotate(total=Sum("amount"))
            .values_list(f"{side}__partner_id", "total")
        )
        for partner_id, total in rows:
            paid[partner_id] = paid.get(partner_id, 0) + sign * total
    return {partner_id: amount for partner_id, amount in paid.items() if amount > 0}


EU_PARTNER_KINDS = (PartnerKind.EU_DIGITAL_EUROPE, PartnerKind.EU_HORIZON_EUROPE)


def eu_partner_ids() -> set[int]:
    """The partners that are EU programmes: their contributions are the Union's, which runs the open calls."""
    return set(Partner.objects.filter(kind__in=EU_PARTNER_KINDS).values_list("pk", flat=True))


def open_access_share_as_of(*, day: datetime.date, paid_in: dict[int, int] | None = None) -> OpenAccessShare:
    """The open-access share of a capacity split with the contributions paid in by the end of ``day``: the EU
    programmes' share of them, at most 50 % (the arithmetic the period page shows). Three queries."""
    paid_in = paid_in_as_of(day=day) if paid_in is None else paid_in
    eu = eu_partner_ids()
    return open_access_share(sum(c for p, c in paid_in.items() if p in eu), sum(paid_in.values()))


def partners_by_id(ids) -> dict[int, Partner]:
    return Partner.objects.in_bulk(list(ids))


# --- the inputs of a run ------------------------------------------------------------------------------------------


def candidate_applications(*, pool: Pool, waitlist: bool = False) -> QuerySet[Application]:
    """Approved applications a run of ``pool`` considers: calls of the pool's access mode, on its Gigafactory (the
    preferred one, or any of the call's when none is preferred), with a request, and not yet granted in the period.
    With ``waitlist`` (a fill from the waitlist) the panel-waitlisted applications are candidates too; approved
    applications a run could not fit are candidates either way (they have no award).

    The panel rank is read from the review stage's decision (``reviews.PanelDecision.rank``).
    """
    period = pool.period
    statuses = [Status.APPROVED, Status.WAITLISTED] if waitlist else [Status.APPROVED]
    on_gigafactory = Exists(
        Call.gigafactories.through.objects.filter(call_id=OuterRef("call_id"), gigafactory_id=period.gigafactory_id)
    )
    return (
        Application.objects.filter(
            status__in=statuses, call__access_mode_id=pool.access_mode_id, requested_gpu_hours__gt=0
        )
        .filter(
            Q(preferred_gigafactory_id=period.gigafactory_id) | Q(on_gigafactory, preferred_gigafactory__isnull=True)
        )
        .exclude(Exists(Grant.objects.filter(application_id=OuterRef("pk"), period_id=period.pk)))
        .exclude(Exists(Award.objects.filter(application_id=OuterRef("pk"))))
        .filter(Q(start_month__isnull=True) | Q(start_month__lt=period.ends_on))
        .annotate(panel_rank=Coalesce(F("panel_decision__rank"), UNRANKED))
    )


def inputs_snapshot(*, pool: Pool, waitlist: bool = False) -> tuple[dict, str]:
    """What a run of ``pool`` computes from, and its SHA-256: the pool's free balance and, per candidate application
    whose project overlaps the period, ``[id, rank, requested, minimum, submitted, total, starts_on, ends_on]``:
    the request's and minimum's slices for this period, the whole request and the dates the award would cover
    (GPU-seconds; submission time in microseconds). Two queries."""
    period = pool.period
    quarter = (period.year, period.quarter)
    account = Account.objects.get(pk=pool.account_id)
    rows = []
    for pk, rank, requested, minimum, submitted_at, start_month, months in (
        candidate_applications(pool=pool, waitlist=waitlist)
        .order_by("pk")
        .values_list(
            "pk",
            "panel_rank",
            "requested_gpu_hours",
            "minimum_gpu_hours",
            "submitted_at",
            "start_month",
            "duration_months",
        )
    ):
        covers = project_from(start_month, months, (period.starts_on, period.ends_on))
        if covers is None:
            continue
        total = gpu_seconds(requested)
        requested_s = slice_for(award_slices(total, *covers), *quarter).seconds
        if requested_s == 0:
            continue  # nothing of the request falls in this period
        minimum_total = min(gpu_seconds(minimum or 0), total)
        minimum_s = min(slice_for(award_slices(minimum_total, *covers), *quarter).seconds, requested_s)
        submitted = int(submitted_at.timestamp() * 1_000_000) if submitted_at else 0
        rows.append([pk, rank, requested_s, minimum_s, submitted, total, covers[0].isoformat(), covers[1].isoformat()])
    snapshot = {"pool": pool.pk, "balance": pool_balance(account), "requests": rows}
    return snapshot, snapshot_hash(snapshot)


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- runs ---------------------------------------------------------------------------------------------------------


def runs_of_pool(*, pool: Pool) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(pool=pool).select_related("created_by", "decided_by").order_by("-created_at")


def runs_for_admin() -> QuerySet[AllocationRun]:
    return AllocationRun.objects.select_related(
        "pool__period__gigafactory", "pool__access_mode", "pool__partner", "created_by", "decided_by"
    ).order_by("-created_at", "-id")


def run_detail(*, pk: int) -> AllocationRun:
    return runs_for_admin().get(pk=pk)


def run_results(*, run: AllocationRun) -> QuerySet[AllocationResult]:
    """The run's rows in position order, with each application's reference, title and organisation."""
    return (
        AllocationResult.objects.filter(run=run)
        .select_related("application__organisation")
        .only(
            "run_id",
            "application_id",
            "position",
            "rank",
            "requested_seconds",
            "minimum_seconds",
            "granted_seconds",
            "outcome",
            "reason",
            "available_seconds",
            "share_bp",
            "award_seconds",
            "application__reference",
            "application__title",
            "application__organisation__legal_name",
        )
        .order_by("position")
    )


def award_slices_of(*, grant: Grant) -> list[Grant]:
    """The slices of the grant's award in date order, each with ``used_seconds`` (its burn-down: what its ledger
    account has paid out to usage); empty for a grant without an award. Two queries."""
    if not grant.award_id:
        return []
    slices = list(
        Grant.objects.filter(award_id=grant.award_id).select_related("period", "account").order_by("starts_on")
    )
    for piece in slices:
        piece.used_seconds = piece.account.debits_posted
        piece.left_seconds = pool_balance(piece.account)
    return slices


def hours(seconds: int) -> str:
    """GPU-seconds as GPU-hours for people: whole hours with separators, else one decimal."""
    value = gpu_hours(seconds)
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return formats.number_format(value, decimal_pos=1, force_grouping=True)


def explanation(result: AllocationResult, *, count: int) -> str:
    """The one-line, translated reason for what ``result`` got, e.g. "ranked 12 of 40; asked 50,000 GPU-h;
    granted 32,500 because the pool was exhausted"."""
    values = {
        "position": result.position,
        "count": count,
        "requested": hours(result.requested_seconds),
        "minimum": hours(result.minimum_seconds),
        "granted": hours(result.granted_seconds),
        "available": hours(result.available_seconds),
        "share": formats.number_format(result.share_bp / 100, decimal_pos=1),
    }
    head = _("ranked %(position)s of %(count)s; asked %(requested)s GPU-h") % values
    reason = Reason(result.reason)
    if reason is Reason.FULL:
        tail = _("granted in full")
    elif reason is Reason.POOL_EXHAUSTED:
        tail = _("granted %(granted)s because the pool was exhausted") % values
    elif reason is Reason.BELOW_MINIMUM:
        tail = _("waitlisted: only %(available)s GPU-h were left, below the minimum of %(minimum)s") % values
    elif reason is Reason.MINIMUM:
        tail = _("granted its minimum of %(granted)s, more than the common share of %(share)s %%") % values
    elif reason is Reason.NO_ROOM:
        tail = (
            _("waitlisted: the minimums ranked above left %(available)s GPU-h, below its minimum of %(minimum)s")
            % values
        )
    elif result.granted_seconds:
        tail = _("granted %(granted)s, the common share of %(share)s %% of every request") % values
    else:
        tail = _("waitlisted: the common share of %(share)s %% rounds down to nothing") % values
    return f"{head}; {tail}"


def with_explanations(results, *, count: int) -> list[AllocationResult]:
    rows = list(results)
    for row in rows:
        row.explanation = explanation(row, count=count)
    return rows


# --- grants -------------------------------------------------------------------------------------------------------


def grants_for_user(*, user: User) -> QuerySet[Grant]:
    """Grants of the applications of ``user``'s organisations, newest offer first, the slices of one award
    together in date order."""
    if not user.is_authenticated:
        return Grant.objects.none()
    return (
        Grant.objects.filter(
            Exists(Application.objects.filter(pk=OuterRef("application_id"), organisation__memberships__user=user))
        )
        .select_related(
            "application__organisation",
            "application__pi",
            "gigafactory",
            "period__gigafactory",
            "account",
            "award__final_report",
        )
        .order_by("-offered_at", "application_id", "starts_on", "-id")
    )


def awards_for_user(*, user: User) -> QuerySet[Award]:
    """Allocation admins: every award; members of an applicant organisation: its applications' awards; a
    partner's contacts: the awards from their partner's pools; others: none. Each with its slices in date order
    (two queries)."""
    if not user.is_authenticated:
        return Award.objects.none()
    awards = Award.objects.select_related("application", "gigafactory", "access_mode", "partner").prefetch_related(
        Prefetch("slices", queryset=Grant.objects.select_related("period", "account").order_by("starts_on"))
    )
    if not is_allocation_admin(user):
        awards = awards.filter(
            Exists(Application.objects.filter(pk=OuterRef("application_id"), organisation__memberships__user=user))
            | Q(kind=PoolKind.PARTNER, partner__in=Partner.objects.filter(contact_users=user))
        )
    return awards.order_by("-created_at", "-id")


def grant_for_member(*, user: User, pk: int) -> Grant:
    """The grant if ``user`` is a member of its application's organisation; ``Grant.DoesNotExist`` otherwise."""
    return grants_for_user(user=user).get(pk=pk)


def grants_of_run(*, run: AllocationRun) -> QuerySet[Grant]:
    return Grant.objects.filter(run=run).select_related("application__pi", "application__organisation", "gigafactory")


def offers_past_deadline(*, now) -> QuerySet[Grant]:
    return Grant.objects.filter(status=GrantStatus.OFFERED, respond_by__lte=now).order_by("pk")


def grants_starting(*, today: datetime.date) -> QuerySet[Grant]:
    return Grant.objects.filter(status=GrantStatus.ACCEPTED, starts_on__lte=today).order_by("pk")


def open_access_pools(*, period: CapacityPeriod) -> list[Pool]:
    return [p for p in period.pools.all() if p.kind == PoolKind.OPEN_ACCESS]


def offers_awaiting_answer(*, user: User, now) -> QuerySet[Grant]:
    """Offers that ``user``, as principal investigator, can still accept or decline: one per application (the
    first slice of an award stands for the award, which is answered as a whole), soonest deadline first."""
    first_slices = (
        Grant.objects.filter(status=GrantStatus.OFFERED, application__pi=user, respond_by__gt=now)
        .order_by("application_id", "starts_on", "pk")
        .distinct("application_id")
        .values("pk")
    )
    return (
        Grant.objects.filter(pk__in=first_slices)
        .select_related("application", "gigafactory", "award")
        .order_by("respond_by", "pk")
    )


def runs_to_commit() -> QuerySet[AllocationRun]:
    """Runs that finished and wait for an allocation admin to commit or discard them, oldest first."""
    return (
        AllocationRun.objects.filter(status=RunStatus.SUCCEEDED)
        .select_related("pool__period__gigafactory", "pool__access_mode", "pool__partner")
        .order_by("finished_at", "pk")
    )
