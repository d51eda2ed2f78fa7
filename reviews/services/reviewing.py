"""Reviews (draft, submit, amend) and the reminders to reviewers before and after the due date."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.services import application_transition
from allocations.applications.workflow import Action, Status
from allocations.models import Application, RubricCriterion
from portal.emails import queue_templated_email
from reviews import selectors
from reviews.models import (
    AssignmentStatus,
    ReminderKind,
    Review,
    ReviewAssignment,
    ReviewEventKind,
    ReviewReminder,
    ReviewStatus,
)
from reviews.services._common import _absolute_url, _event, _lock
from reviews.services.reply import reply_window_open

AMENDABLE = frozenset({Status.IN_REVIEW, Status.REVIEWS_COMPLETE, Status.RIGHT_TO_REPLY, Status.PANEL})


# --- Reviews ------------------------------------------------------------------------------------------------------


def _validate_scores(scores: dict, criteria: list[RubricCriterion], call, *, complete: bool) -> dict[str, int]:
    by_id = {c.pk: c for c in criteria}
    cleaned: dict[str, int] = {}
    errors = []
    for key, value in (scores or {}).items():
        try:
            criterion_id = int(key)
        except (TypeError, ValueError):
            errors.append(_("Unknown criterion %(key)s.") % {"key": key})
            continue
        if criterion_id not in by_id:
            errors.append(_("Unknown criterion %(key)s.") % {"key": key})
            continue
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors.append(_("Score %(name)s with a whole number.") % {"name": by_id[criterion_id].name})
            continue
        try:
            number = int(value)
        except ValueError:
            errors.append(_("Score %(name)s with a whole number.") % {"name": by_id[criterion_id].name})
            continue
        if not call.score_min <= number <= call.score_max:
            errors.append(
                _("Score %(name)s from %(low)d to %(high)d.")
                % {"name": by_id[criterion_id].name, "low": call.score_min, "high": call.score_max}
            )
            continue
        cleaned[str(criterion_id)] = number
    if complete:
        missing = [c.name for c in criteria if str(c.pk) not in cleaned]
        if missing:
            errors.append(
                _("Score every criterion before submitting. Missing: %(names)s.") % {"names": ", ".join(missing)}
            )
    if errors:
        raise ValidationError({"scores": errors})
    return cleaned


def _reviewing(assignment_id: int, by: User) -> tuple[Application, ReviewAssignment]:
    try:
        application_id = ReviewAssignment.objects.values_list("application_id", flat=True).get(
            pk=assignment_id, reviewer=by
        )
    except ReviewAssignment.DoesNotExist:
        raise PermissionDenied(_("This is not your assignment."))
    application = _lock(application_id)
    assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment_id)
    if assignment.status == AssignmentStatus.PENDING:
        raise ValidationError(_("Declare that you have no conflict of interest and accept the assignment first."))
    if assignment.status not in (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED):
        raise ValidationError(_("This assignment was returned."))
    return application, assignment


def review_save(
    *,
    assignment_id: int,
    by: User,
    scores: dict,
    comment_for_applicant: str = "",
    comment_for_panel: str = "",
) -> Review:
    """Save the draft review (created on first save). Partial scores are fine; a submitted version is locked."""
    with transaction.atomic():
        application, assignment = _reviewing(assignment_id, by)
        criteria = list(RubricCriterion.objects.filter(call_id=application.call_id).order_by("position", "id"))
        cleaned = _validate_scores(scores, criteria, application.call, complete=False)
        draft = Review.objects.select_for_update().filter(assignment=assignment, status=ReviewStatus.DRAFT).first()
        if draft is None:
            if Review.objects.filter(assignment=assignment).exists():
                raise ValidationError(
                    _("This review was submitted and is locked. Start an amendment (with a reason) to change it.")
                )
            if application.status != Status.IN_REVIEW:
                raise ValidationError(_("This application is no longer in review."))
            draft = Review(assignment=assignment, version=1)
        draft.scores = cleaned
        draft.comment_for_applicant = (comment_for_applicant or "").strip()
        draft.comment_for_panel = (comment_for_panel or "").strip()
        try:
            draft.full_clean(exclude=["assignment", "scores"], validate_constraints=False)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict)
        draft.save()
    return draft


def review_submit(*, review_id: int, by: User, now=None) -> Review:
    """Submit the draft: every criterion scored, a comment for the applicant. It is then locked. The last required
    review completes the application's reviews: the portal opens the right to reply (modes that have it) or sends
    the application to the panel."""
    now = now or timezone.now()
    try:
        assignment_id = Review.objects.values_list("assignment_id", flat=True).get(
            pk=review_id, assignment__reviewer=by
        )
    except Review.DoesNotExist:
        raise PermissionDenied(_("This is not your review."))
    with transaction.atomic():
        application, assignment = _reviewing(assignment_id, by)
        review = Review.objects.select_for_update().get(pk=review_id)
        if review.status != ReviewStatus.DRAFT:
            raise ValidationError(_("This review was already submitted."))
        criteria = list(RubricCriterion.objects.filter(call_id=application.call_id).order_by("position", "id"))
        review.scores = _validate_scores(review.scores, criteria, application.call, complete=True)
        if not review.comment_for_applicant.strip():
            raise ValidationError({"comment_for_applicant": _("Write a comment for the applicant.")})
        first = review.version == 1
        if first and application.status != Status.IN_REVIEW:
            raise ValidationError(_("This application is no longer in review."))
        if not first and application.status not in AMENDABLE:
            raise ValidationError(_("The application was decided; the review can no longer change."))
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = now
        review.save(update_fields=["scores", "status", "submitted_at", "updated_at"])
        _event(
            ReviewEventKind.REVIEW_SUBMITTED,
            application=application,
            by=by,
            assignment=assignment,
            version=review.version,
        )
        if first:
            assignment.status = AssignmentStatus.COMPLETED
            assignment.completed_at = now
            assignment.save(update_fields=["status", "completed_at"])
            _complete_if_done(application, now=now)
    return review


def _complete_if_done(application: Application, *, now) -> None:
    required = application.call.reviewers_needed
    done = ReviewAssignment.objects.filter(application=application, status=AssignmentStatus.COMPLETED).count()
    if required == 0 or done < required:
        return
    application_transition(application_id=application.pk, action=Action.COMPLETE_REVIEWS, by=None, now=now)
    if application.call.access_mode.right_to_reply:
        reply_window_open(application_id=application.pk, by=None, now=now)
    else:
        application_transition(application_id=application.pk, action=Action.TO_PANEL, by=None, now=now)


def review_amend(*, review_id: int, by: User, reason: str) -> Review:
    """Start an amendment of a submitted review: a new draft version with a reason; the old version is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the amendment.")})
    try:
        assignment_id = Review.objects.values_list("assignment_id", flat=True).get(
            pk=review_id, assignment__reviewer=by
        )
    except Review.DoesNotExist:
        raise PermissionDenied(_("This is not your review."))
    with transaction.atomic():
        application, assignment = _reviewing(assignment_id, by)
        if application.status not in AMENDABLE:
            raise ValidationError(_("The application was decided; the review can no longer change."))
        versions = list(Review.objects.select_for_update().filter(assignment=assignment).order_by("version"))
        latest = versions[-1]
        if latest.pk != review_id or latest.status != ReviewStatus.SUBMITTED:
            raise ValidationError(_("Only the latest submitted version can be amended."))
        amendment = Review.objects.create(
            assignment=assignment,
            version=latest.version + 1,
            scores=latest.scores,
            comment_for_applicant=latest.comment_for_applicant,
            comment_for_panel=latest.comment_for_panel,
            amendment_reason=reason,
        )
        _event(
            ReviewEventKind.REVIEW_AMENDED,
            application=application,
            by=by,
            assignment=assignment,
            version=amendment.version,
            reason=reason,
        )
    return amendment


# --- Reminders ---------------------------------------------------------------------------------------------------


def review_reminders_send(*, today: dt.date | None = None) -> int:
    """Email reviewers 3 days before the due date and once overdue, each reminder once per assignment.

    Idempotent: the unique reminder row is written in the same transaction as the email is queued, so a second
    run (or two runs at once) sends nothing again. Returns the number of reminders queued."""
    today = today or timezone.localdate()
    sent = 0
    for assignment in selectors.assignments_due_for_reminders(today=today):
        kind = ReminderKind.OVERDUE if assignment.due_on < today else ReminderKind.DUE_SOON
        with transaction.atomic():
            _reminder, created = ReviewReminder.objects.get_or_create(assignment=assignment, kind=kind)
            if not created:
                continue
            queue_templated_email(
                to=[assignment.reviewer.email],
                template=f"reviews/email/reminder_{kind}",
                context={
                    "assignment": assignment,
                    "application": assignment.application,
                    "due_on": assignment.due_on,
                    "url": _absolute_url("review_assignment", pk=assignment.pk),
                },
            )
            sent += 1
    return sent
