"""Capacity periods, their pools, allocation runs with their per-request results, and grants.

Amounts are integer GPU-seconds (shown as GPU-hours). Every amount that moves also moves in the GPU-second ledger
(``ledger.Account`` per period, pool and grant; transfers written by ``ledger.services.transfers_create``), so the
ledger's "no overdraft" flag on pool accounts is the last guard against over-allocation.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allocations.capacity.solver import Policy, Reason
from portal.units import whole_gpu_hours

__all__ = [
    "POLICY_CHOICES",
    "AllocationResult",
    "AllocationRun",
    "Award",
    "CapacityPeriod",
    "Grant",
    "GrantStatus",
    "Outcome",
    "Pool",
    "PoolKind",
    "RunStatus",
]


def _hours(seconds: int | None) -> int:
    return whole_gpu_hours(seconds or 0)


class CapacityPeriod(models.Model):
    """One Gigafactory's compute in one quarter. Creating it posts the net capacity into the GPU-second ledger."""

    gigafactory = models.ForeignKey(
        "allocations.Gigafactory",
        on_delete=models.PROTECT,
        related_name="capacity_periods",
        verbose_name=_("Gigafactory"),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2024), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends before"), help_text=_("The first day after the period."))
    accelerators = models.PositiveIntegerField(_("accelerators"))
    availability_percent = models.PositiveSmallIntegerField(
        _("availability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    reserve_percent = models.PositiveSmallIntegerField(
        _("reserve (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Kept back for maintenance and strategic use."),
    )
    gross_seconds = models.BigIntegerField(_("gross GPU-seconds"))
    reserve_seconds = models.BigIntegerField(_("reserve GPU-seconds"))
    capacity_seconds = models.BigIntegerField(_("capacity (GPU-seconds)"))
    account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="capacity_period", verbose_name=_("ledger account")
    )
    entitlements_on = models.DateField(_("entitlements as of"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("capacity period")
        verbose_name_plural = _("capacity periods")
        ordering = ["-starts_on", "gigafactory__name"]
        constraints = [
            models.UniqueConstraint(fields=["gigafactory", "year", "quarter"], name="capacity_period_one_per_quarter"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="capacity_period_ends_after"),
            models.CheckConstraint(
                condition=Q(capacity_seconds__gte=0) & Q(reserve_seconds__gte=0), name="capacity_period_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gigafactory} {self.year} Q{self.quarter}"

    @property
    def capacity_hours(self) -> int:
        return _hours(self.capacity_seconds)

    @property
    def is_split(self) -> bool:
        return self.entitlements_on is not None


class PoolKind(models.TextChoices):
    OPEN_ACCESS = "open_access", _("Open access")
    PARTNER = "partner", _("Partner")


class Pool(models.Model):
    """A share of a period's capacity: the open-access pool of one access mode, or a partner's pool."""

    period = models.ForeignKey(CapacityPeriod, on_delete=models.PROTECT, related_name="pools", verbose_name=_("period"))
    kind = models.CharField(_("kind"), max_length=20, choices=PoolKind.choices)
    access_mode = models.ForeignKey(
        "allocations.AccessMode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pools",
        verbose_name=_("access mode"),
    )
    partner = models.ForeignKey(
        "ledger.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pools",
        verbose_name=_("partner"),
    )
    share_bp = models.PositiveIntegerField(_("share (basis points of the capacity)"))
    size_seconds = models.BigIntegerField(_("size (GPU-seconds)"))
    account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="pool", verbose_name=_("ledger account")
    )

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        ordering = ["period_id", "kind", "access_mode__position", "partner__name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="open_access") & Q(access_mode__isnull=False) & Q(partner__isnull=True))
                | (Q(kind="partner") & Q(partner__isnull=False) & Q(access_mode__isnull=True)),
                name="pool_kind_matches_owner",
            ),
            models.UniqueConstraint(
                fields=["period", "access_mode"], condition=Q(kind="open_access"), name="pool_one_per_access_mode"
            ),
            models.UniqueConstraint(
                fields=["period", "partner"], condition=Q(kind="partner"), name="pool_one_per_partner"
            ),
            models.CheckConstraint(condition=Q(size_seconds__gte=0), name="pool_size_not_negative"),
        ]

    def __str__(self) -> str:
        owner = self.access_mode if self.kind == PoolKind.OPEN_ACCESS else self.partner
        return f"{self.period} · {owner}"

    @property
    def owner_name(self) -> str:
        return str(self.access_mode if self.kind == PoolKind.OPEN_ACCESS else self.partner)

    @property
    def size_hours(self) -> int:
        return _hours(self.size_seconds)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Ready for review")
    FAILED = "failed", _("Failed")
    COMMITTED = "committed", _("Committed")
    DISCARDED = "discarded", _("Discarded")


POLICY_CHOICES = [
    (Policy.RANK_GREEDY.value, _("Rank order: full requests while they fit")),
    (Policy.PROPORTIONAL.value, _("Proportional: the same share of every request")),
]


class AllocationRun(models.Model):
    """One what-if allocation of a pool, computed by a Celery task; an admin then commits or discards it.

    ``inputs`` is the snapshot the solver saw (pool balance and the approved requests); ``inputs_hash`` lets the
    commit check that nothing changed since.
    """

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="runs", verbose_name=_("pool"))
    policy = models.CharField(_("policy"), max_length=20, choices=POLICY_CHOICES)
    fills_waitlist = models.BooleanField(
        _("fills from the waitlist"),
        default=False,
        help_text=_(
            "Offers hours returned to the pool to the waitlist (panel-waitlisted applications and approved ones "
            "a run could not fit) in rank order, and commits at once."
        ),
    )
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("pool locked at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    inputs = models.JSONField(_("inputs"), null=True, blank=True, editable=False)
    inputs_hash = models.CharField(_("inputs hash"), max_length=64, blank=True, editable=False)
    capacity_seconds = models.BigIntegerField(_("pool balance (GPU-seconds)"), null=True, blank=True)
    granted_seconds = models.BigIntegerField(_("granted (GPU-seconds)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committed or discarded by"),
    )
    decided_at = models.DateTimeField(_("committed or discarded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pool", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(granted_seconds__isnull=True) | Q(granted_seconds__lte=models.F("capacity_seconds")),
                name="allocation_run_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return _("Run %(pk)s of %(pool)s") % {"pk": self.pk, "pool": self.pool}

    @property
    def is_finished(self) -> bool:
        return self.status not in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def unallocated_seconds(self) -> int | None:
        if self.capacity_seconds is None or self.granted_seconds is None:
            return None
        return self.capacity_seconds - self.granted_seconds


class Outcome(models.TextChoices):
    FULL = "full", _("Granted in full")
    PARTIAL = "partial", _("Granted in part")
    WAITLISTED = "waitlisted", _("Waitlisted")


class AllocationResult(models.Model):
    """What one run gave one application, with the numbers of its one-line explanation."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("run"))
    application = models.ForeignKey(
        "allocations.Application", on_delete=models.PROTECT, related_name="allocation_results"
    )
    position = models.PositiveIntegerField(_("position"))
    rank = models.PositiveIntegerField(_("panel rank"))
    requested_seconds = models.BigIntegerField(_("requested (GPU-seconds)"))
    minimum_seconds = models.BigIntegerField(_("minimum (GPU-seconds)"))
    granted_seconds = models.BigIntegerField(_("granted (GPU-seconds)"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=[(r.value, r.value) for r in Reason])
    available_seconds = models.BigIntegerField(_("available when considered (GPU-seconds)"))
    share_bp = models.PositiveIntegerField(_("common share (basis points)"), default=0)
    award_seconds = models.BigIntegerField(_("award over the project (GPU-seconds)"), default=0)

    class Meta:
        verbose_name = _("allocation result")
        verbose_name_plural = _("allocation results")
        ordering = ["run_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "application"], name="allocation_result_once_per_run"),
            models.UniqueConstraint(fields=["run", "position"], name="allocation_result_position_unique"),
            models.CheckConstraint(
                condition=Q(granted_seconds__gte=0) & Q(granted_seconds__lte=models.F("requested_seconds")),
                name="allocation_result_within_request",
            ),
            models.CheckConstraint(
                condition=Q(granted_seconds=0) | Q(granted_seconds__gte=models.F("minimum_seconds")),
                name="allocation_result_not_below_minimum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.position}: {self.granted_seconds}"


class Award(models.Model):
    """The allocation decision for an application: GPU-seconds for the whole project (from its start month for its
    duration, clipped to the first period it was allocated in), delivered as one grant per capacity period the
    project overlaps (its slices, see ``allocations.capacity.slices``). Slices of periods not created yet are
    commitments: they are granted first when their period is split into pools."""

    application = models.OneToOneField("allocations.Application", on_delete=models.PROTECT, related_name="award")
    gigafactory = models.ForeignKey(
        "allocations.Gigafactory", on_delete=models.PROTECT, related_name="awards", verbose_name=_("Gigafactory")
    )
    kind = models.CharField(_("pool kind"), max_length=20, choices=PoolKind.choices)
    access_mode = models.ForeignKey(
        "allocations.AccessMode", on_delete=models.PROTECT, null=True, blank=True, related_name="awards"
    )
    partner = models.ForeignKey("ledger.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    total_seconds = models.BigIntegerField(_("award (GPU-seconds)"))
    # A split that could not honour the commitments in full scaled slices down pro rata (the admin's choice): the
    # awarded total stays the decision, and what the scaling took is recorded here.
    scaled_down_seconds = models.BigIntegerField(_("scaled down (GPU-seconds)"), default=0)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends before"))
    run = models.ForeignKey(
        "AllocationRun", on_delete=models.PROTECT, null=True, blank=True, related_name="awards", verbose_name=_("run")
    )
    justification = models.TextField(_("justification"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_seconds__gt=0), name="award_positive"),
            models.CheckConstraint(
                condition=Q(scaled_down_seconds__gte=0) & Q(scaled_down_seconds__lte=models.F("total_seconds")),
                name="award_scaled_down_within_total",
            ),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="award_ends_after_start"),
            models.CheckConstraint(
                condition=(Q(kind="open_access") & Q(access_mode__isnull=False) & Q(partner__isnull=True))
                | (Q(kind="partner") & Q(partner__isnull=False) & Q(access_mode__isnull=True)),
                name="award_kind_matches_owner",
            ),
        ]

    def __str__(self) -> str:
        return _("Award %(pk)s: %(hours)s GPU-h") % {"pk": self.pk, "hours": self.total_hours}

    @property
    def total_hours(self) -> int:
        return _hours(self.total_seconds)


class GrantStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", _("Closed")


class Grant(models.Model):
    """GPU-hours granted to an application on one Gigafactory for one period: an offer until the PI accepts. A slice
    of the application's award; its dates are the period's clipped to the project."""

    application = models.ForeignKey("allocations.Application", on_delete=models.PROTECT, related_name="grants")
    gigafactory = models.ForeignKey(
        "allocations.Gigafactory", on_delete=models.PROTECT, related_name="grants", verbose_name=_("Gigafactory")
    )
    period = models.ForeignKey(
        CapacityPeriod, on_delete=models.PROTECT, related_name="grants", verbose_name=_("period")
    )
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="grants", verbose_name=_("pool"))
    run = models.ForeignKey(
        AllocationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="grants", verbose_name=_("run")
    )
    award = models.ForeignKey(
        Award, on_delete=models.PROTECT, null=True, blank=True, related_name="slices", verbose_name=_("award")
    )
    granted_seconds = models.BigIntegerField(_("granted (GPU-seconds)"))
    slurm_account = models.CharField(_("Slurm account"), max_length=40)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends before"))
    status = models.CharField(_("status"), max_length=10, choices=GrantStatus.choices, default=GrantStatus.OFFERED)
    offered_at = models.DateTimeField(_("offered at"))
    respond_by = models.DateTimeField(_("answer by"))
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="grant", verbose_name=_("ledger account")
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-offered_at", "-id"]
        indexes = [models.Index(fields=["status", "respond_by"])]
        constraints = [
            models.UniqueConstraint(fields=["application", "period"], name="grant_once_per_application_and_period"),
            models.CheckConstraint(condition=Q(granted_seconds__gt=0), name="grant_positive"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="grant_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.slurm_account} ({self.period})"

    @property
    def granted_hours(self) -> int:
        return _hours(self.granted_seconds)
