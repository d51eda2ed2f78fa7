"""Review stage: reviewer profiles, eligibility checks, assignments, reviews, right to reply, panel and audit.

Application status changes go through ``allocations.applications.services.application_transition``; these tables
hold what the review stage adds. ``ReviewEvent``, ``RankMove`` and submitted ``Review`` rows are append-only (database
triggers in the migrations refuse UPDATE and DELETE).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from allocations.applications.workflow import Status
from allocations.models import AIDomain

REPLY_MAX_CHARS = 5000


def validate_expertise(value) -> None:
    if not isinstance(value, list) or any(item not in AIDomain.values for item in value):
        raise ValidationError(_("Choose expertise among the AI domains."), code="invalid")


def validate_keyword_list(value) -> None:
    if not isinstance(value, list) or any(not isinstance(k, str) or not k.strip() or len(k) > 50 for k in value):
        raise ValidationError(_("Give keywords as a list of words of at most 50 characters."), code="invalid")
    if len(value) > 20:
        raise ValidationError(_("Give at most 20 keywords."), code="max_keywords")


class ReviewerProfile(models.Model):
    """What the assignment suggestion knows of a reviewer: expertise, affiliation, load limit and availability."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile", verbose_name=_("reviewer")
    )
    expertise = models.JSONField(_("expertise (AI domains)"), default=list, blank=True, validators=[validate_expertise])
    keywords = models.JSONField(_("expertise keywords"), default=list, blank=True, validators=[validate_keyword_list])
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("affiliation"),
    )
    max_load_per_call = models.PositiveSmallIntegerField(
        _("maximum reviews per call"), default=5, validators=[MinValueValidator(1)]
    )
    is_available = models.BooleanField(_("available for new assignments"), default=True)
    research_interests = models.TextField(
        _("research interests and recent publication titles"),
        blank=True,
        validators=[MaxLengthValidator(5000)],
        help_text=_("Free text, at most 5,000 characters: it is matched against the applications' texts."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")
        ordering = ["user_id"]
        constraints = [models.CheckConstraint(condition=Q(max_load_per_call__gte=1), name="reviewer_load_positive")]

    def __str__(self) -> str:
        return str(self.user)


class CheckOutcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")


class EligibilityCheck(models.Model):
    """The call manager's checklist for one application; eligible only when every point holds."""

    application = models.OneToOneField(
        "allocations.Application", on_delete=models.PROTECT, related_name="eligibility_check"
    )
    country_eligible = models.BooleanField(_("eligible country"))
    organisation_type_eligible = models.BooleanField(_("eligible organisation type"))
    request_within_bounds = models.BooleanField(_("request within the call's bounds"))
    software_runs = models.BooleanField(_("software runs on the Gigafactory's accelerators"))
    scaling_adequate = models.BooleanField(_("scaling evidence adequate"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=CheckOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    CHECKLIST = (
        "country_eligible",
        "organisation_type_eligible",
        "request_within_bounds",
        "software_runs",
        "scaling_adequate",
    )

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        ordering = ["-checked_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=CheckOutcome.ELIGIBLE)
                | Q(
                    country_eligible=True,
                    organisation_type_eligible=True,
                    request_within_bounds=True,
                    software_runs=True,
                    scaling_adequate=True,
                ),
                name="eligible_only_when_every_point_holds",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=CheckOutcome.INELIGIBLE) | ~Q(reason=""), name="ineligible_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_outcome_display()}"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting your answer")
    ACCEPTED = "accepted", _("Accepted")
    COMPLETED = "completed", _("Review submitted")
    DECLINED = "declined", _("Declined")
    CONFLICT = "conflict", _("Returned: conflict of interest")


# Assignments that hold a reviewer's place on an application (and count against their load).
ACTIVE_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)


class ReviewAssignment(models.Model):
    """A reviewer asked to review one application by a due date."""

    application = models.ForeignKey(
        "allocations.Application", on_delete=models.PROTECT, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="review_assignments",
        verbose_name=_("reviewer"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    due_on = models.DateField(_("due on"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # From the accepted suggestion: affinity in ten-thousandths and the phrases that made the match.
    affinity = models.PositiveSmallIntegerField(_("affinity"), null=True, blank=True)
    match_terms = models.JSONField(_("why you were suggested"), default=list, blank=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["application_id", "id"]
        indexes = [models.Index(fields=["reviewer", "status"]), models.Index(fields=["status", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                condition=Q(status__in=ACTIVE_ASSIGNMENT),
                name="one_active_assignment_per_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}"

    @property
    def is_open(self) -> bool:
        return self.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Review(models.Model):
    """One version of a reviewer's review. Submitted versions are locked (trigger); an amendment is a new version
    with a reason, and the old one is kept."""

    assignment = models.ForeignKey(ReviewAssignment, on_delete=models.PROTECT, related_name="reviews")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    # {"<criterion id>": score}, scored on the call's scale.
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comment_for_applicant = models.TextField(
        _("comment for the applicant"), blank=True, validators=[MaxLengthValidator(10_000)]
    )
    comment_for_panel = models.TextField(
        _("confidential comment for the panel"), blank=True, validators=[MaxLengthValidator(10_000)]
    )
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["assignment_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "version"], name="review_version_unique"),
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status=ReviewStatus.DRAFT), name="review_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(amendment_reason=""), name="review_amendment_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="review_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} v{self.version}"


class RightToReply(models.Model):
    """The PI's one reply to the anonymised reviews, open until ``deadline``."""

    application = models.OneToOneField(
        "allocations.Application", on_delete=models.PROTECT, related_name="right_to_reply"
    )
    opened_at = models.DateTimeField(_("opened at"))
    deadline = models.DateTimeField(_("reply deadline"))
    text = models.TextField(_("reply"), blank=True, validators=[MaxLengthValidator(REPLY_MAX_CHARS)])
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("right to reply")
        verbose_name_plural = _("rights to reply")
        ordering = ["deadline"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), REPLY_MAX_CHARS), name="reply_at_most_5000_chars"
            ),
            models.CheckConstraint(condition=Q(deadline__gt=models.F("opened_at")), name="reply_deadline_after_open"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.deadline:%Y-%m-%d}"

    @property
    def has_reply(self) -> bool:
        return self.replied_at is not None


class RankMove(models.Model):
    """The panel chair moved an application to ``position`` in its panel list, with a written justification.
    Append-only; moves apply in the order they were made."""

    application = models.ForeignKey("allocations.Application", on_delete=models.PROTECT, related_name="rank_moves")
    position = models.PositiveSmallIntegerField(_("new position"), validators=[MinValueValidator(1)])
    justification = models.TextField(_("justification"))
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rank move")
        verbose_name_plural = _("rank moves")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="rank_move_justified"),
            models.CheckConstraint(condition=Q(position__gte=1), name="rank_move_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.position}"


DECISIONS = (Status.APPROVED, Status.WAITLISTED, Status.REJECTED)


class PanelDecision(models.Model):
    """The decision on an application, with its rank at decision time (allocation runs go in this order)."""

    application = models.OneToOneField(
        "allocations.Application", on_delete=models.PROTECT, related_name="panel_decision"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=[(s.value, s.label) for s in DECISIONS])
    rank = models.PositiveIntegerField(_("panel rank"))
    justification = models.TextField(_("justification"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("panel decision")
        verbose_name_plural = _("panel decisions")
        ordering = ["-decided_at"]
        constraints = [models.CheckConstraint(condition=~Q(justification=""), name="decision_justified")]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_decision_display()}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("3 days before the due date")
    OVERDUE = "overdue", _("Overdue")


class ReviewReminder(models.Model):
    """A reminder sent for an assignment; the unique constraint makes each one go out once."""

    assignment = models.ForeignKey(ReviewAssignment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["assignment", "kind"], name="review_reminder_once")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind}"


class ReviewEventKind(models.TextChoices):
    CHECK = "check", _("Eligibility check")
    ASSIGNED = "assigned", _("Reviewer assigned")
    DECLARED_NO_CONFLICT = "declared_no_conflict", _("No conflict declared")
    DECLARED_CONFLICT = "declared_conflict", _("Conflict declared")
    ACCEPTED = "accepted", _("Assignment accepted")
    DECLINED = "declined", _("Assignment declined")
    REVIEW_SUBMITTED = "review_submitted", _("Review submitted")
    REVIEW_AMENDED = "review_amended", _("Review amendment started")
    REPLY = "reply", _("Reply submitted")
    RANK_MOVE = "rank_move", _("Rank moved")
    DECISION = "decision", _("Decision")
    SUGGESTION_ACCEPTED = "suggestion_accepted", _("Suggestion accepted")
    OVERRIDE = "override", _("Suggestion overridden by hand")


class ReviewEvent(models.Model):
    """The review stage's audit log. Append-only: a database trigger refuses UPDATE and DELETE."""

    kind = models.CharField(_("kind"), max_length=24, choices=ReviewEventKind.choices)
    application = models.ForeignKey("allocations.Application", on_delete=models.PROTECT, related_name="review_events")
    assignment = models.ForeignKey(
        ReviewAssignment, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at"])]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.kind}"


# The matching tables, re-exported: callers use ``reviews.models.<name>``.
from reviews.models import matching as _matching  # noqa: E402 - after this module's own models

Affiliation = _matching.Affiliation
CallAffinity = _matching.CallAffinity
CallMatchingSetting = _matching.CallMatchingSetting
DeclaredConflict = _matching.DeclaredConflict
DeclaredRelationship = _matching.DeclaredRelationship
MatchingObjective = _matching.MatchingObjective
Publication = _matching.Publication
RelationshipKind = _matching.RelationshipKind
