"""Change requests on a running grant: more time (extension), more hours (supplement), hours moved to another grant
of the organisation (transfer), a team member added or removed (team change) and a new PI (PI change).

Each request is a small workflow (``allocations.postaward.changes.workflow``): the other party consents where one is
needed (the receiving grant's PI, the new PI), an allocation admin decides, and the approved change is applied in
the same transaction. ``ChangeRequestEvent`` rows are append-only (a database trigger refuses UPDATE and DELETE).
Amounts are integer GPU-seconds.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.units import whole_gpu_hours

__all__ = [
    "OPEN_CHANGE_STATUSES",
    "ChangeAction",
    "ChangeKind",
    "ChangeRequest",
    "ChangeRequestEvent",
    "ChangeStatus",
    "TeamOperation",
]


class ChangeKind(models.TextChoices):
    EXTENSION = "extension", _("Extension")
    SUPPLEMENT = "supplement", _("Supplement")
    TRANSFER = "transfer", _("Transfer of hours")
    TEAM_CHANGE = "team_change", _("Team change")
    PI_CHANGE = "pi_change", _("Change of PI")


class ChangeStatus(models.TextChoices):
    AWAITING_CONSENT = "awaiting_consent", _("Awaiting consent")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    DECLINED = "declined", _("Declined by the other party")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CHANGE_STATUSES = (ChangeStatus.AWAITING_CONSENT, ChangeStatus.SUBMITTED)


class ChangeAction(models.TextChoices):
    SUBMIT = "submit", _("submit")
    CONSENT = "consent", _("consent to")
    DECLINE = "decline", _("decline")
    APPROVE = "approve", _("approve")
    REFUSE = "refuse", _("refuse")
    WITHDRAW = "withdraw", _("withdraw")


class TeamOperation(models.TextChoices):
    ADD = "add", _("Add")
    REMOVE = "remove", _("Remove")


class ChangeRequest(models.Model):
    """One request on a grant (the slice it was asked on). Kind-specific fields are null/blank for other kinds."""

    grant = models.ForeignKey(
        "allocations.Grant", on_delete=models.PROTECT, related_name="change_requests", verbose_name=_("grant")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=ChangeStatus.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    justification = models.TextField(_("justification"), max_length=4000)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    # extension
    new_ends_on = models.DateField(_("new end (exclusive)"), null=True, blank=True)
    previous_ends_on = models.DateField(_("previous end (exclusive)"), null=True, blank=True)
    # supplement and transfer
    amount_seconds = models.BigIntegerField(_("GPU-seconds"), null=True, blank=True)
    target_grant = models.ForeignKey(
        "allocations.Grant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_change_requests",
        verbose_name=_("receiving grant"),
    )
    # team change (the member) and PI change (the new PI)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_requests_about",
        verbose_name=_("person"),
    )
    team_operation = models.CharField(_("team operation"), max_length=10, choices=TeamOperation.choices, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    transfer_id = models.UUIDField(_("ledger transfer"), null=True, blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "kind", "-created_at"], name="change_request_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "kind"],
                condition=Q(status__in=["awaiting_consent", "submitted"]),
                name="change_request_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extension") | Q(new_ends_on__isnull=False), name="change_request_extension_date"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["supplement", "transfer"]) | Q(amount_seconds__gt=0),
                name="change_request_amount_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer") | (Q(target_grant__isnull=False) & ~Q(target_grant=models.F("grant"))),
                name="change_request_transfer_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["team_change", "pi_change"]) | Q(person__isnull=False),
                name="change_request_person",
            ),
            models.CheckConstraint(
                condition=~Q(kind="team_change") | Q(team_operation__in=["add", "remove"]),
                name="change_request_team_operation",
            ),
        ]

    def __str__(self) -> str:
        return _("Change request %(pk)s (%(kind)s)") % {"pk": self.pk, "kind": self.get_kind_display()}

    @property
    def amount_hours(self) -> int:
        return whole_gpu_hours(self.amount_seconds or 0)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CHANGE_STATUSES


class ChangeRequestEvent(models.Model):
    """One step of a change request: who, when, from which status to which, with a comment. Append-only."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=ChangeAction.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=ChangeStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ChangeStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("change request event")
        verbose_name_plural = _("change request events")
        ordering = ["request_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '-'} -> {self.to_status}"
