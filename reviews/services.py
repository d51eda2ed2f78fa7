"""Writes of the review stage.

Each function takes keyword arguments and the acting user ``by``, checks permission and input, runs in one
transaction, writes an append-only ``ReviewEvent`` and raises ``ValidationError`` (form error / API 400),
``DecisionConflict`` (someone decided first; API 409) or ``PermissionDenied``. Application status changes go
through ``allocations.services.application_transition`` (row lock, event, the one transition table). Emails
leave only after commit. Locks are always taken application first, then its assignments.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from allocations import selectors as application_selectors
from allocations.models import AIDomain, Application, RubricCriterion
from allocations.services import application_transition, brussels_time, check_transition
from allocations.workflow import Action, Role, Status
from portal.emails import queue_templated_email
from portal.text import inline_label
from reviews import selectors
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    DECISIONS,
    REPLY_MAX_CHARS,
    AssignmentStatus,
    CheckOutcome,
    DeclaredConflict,
    EligibilityCheck,
    PanelDecision,
    RankMove,
    ReminderKind,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewEvent,
    ReviewEventKind,
    ReviewReminder,
    ReviewStatus,
    RightToReply,
)

REPLY_DAYS = 7
DEFAULT_DUE_DAYS = 14
DECISION_ACTIONS = {Status.APPROVED: Action.APPROVE, Status.WAITLISTED: Action.WAITLIST, Status.REJECTED: Action.REJECT}
AMENDABLE = frozenset({Status.IN_REVIEW, Status.REVIEWS_COMPLETE, Status.RIGHT_TO_REPLY, Status.PANEL})


class DecisionConflict(ValidationError):
    """Another call manager decided this application first; nothing was recorded."""


def _absolute_url(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__access_mode", "organisation", "pi")
        .get(pk=application_id)
    )


def _event(kind: str, *, application: Application, by: User | None, assignment=None, **detail) -> ReviewEvent:
    return ReviewEvent.objects.create(
        kind=kind, application=application, assignment=assignment, actor=by, detail=detail
    )


def _require_call_manager(by: User) -> None:
    if not selectors.is_call_manager(by):
        raise PermissionDenied(_("Only call managers can do this."))


def _status_label(status) -> str:
    return inline_label(Status(status).label)


# --- Reviewer profiles and standing conflicts ---------------------------------------------------------------------


def reviewer_profile_save(
    *,
    user: User,
    by: User,
    expertise: list[str],
    keywords: list[str],
    organisation: Organisation | None,
    max_load_per_call: int,
    is_available: bool,
) -> ReviewerProfile:
    """A reviewer edits their own profile; a call manager may edit anyone's."""
    if by.pk != user.pk and not selectors.is_call_manager(by):
        raise PermissionDenied(_("You can only change your own reviewer profile."))
    if not selectors.is_reviewer(user):
        raise ValidationError(_("%(user)s does not have the reviewer role.") % {"user": user})
    errors = {}
    if any(e not in AIDomain.values for e in expertise):
        errors["expertise"] = _("Choose expertise among the AI domains.")
    cleaned = []
    for keyword in keywords:
        keyword = keyword.strip()
        if keyword and keyword.lower() not in {k.lower() for k in cleaned}:
            cleaned.append(keyword)
    if len(cleaned) > 20 or any(len(k) > 50 for k in cleaned):
        errors["keywords"] = _("Give at most 20 keywords of at most 50 characters each.")
    if max_load_per_call is None or max_load_per_call < 1 or max_load_per_call > 100:
        errors["max_load_per_call"] = _("Choose a maximum between 1 and 100 reviews per call.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile, _created = ReviewerProfile.objects.update_or_create(
            user=user,
            defaults={
                "expertise": sorted(set(expertise)),
                "keywords": cleaned,
                "organisation": organisation,
                "max_load_per_call": max_load_per_call,
                "is_available": is_available,
            },
        )
    return profile


def conflict_declare_organisation(*, organisation: Organisation, by: User, reason: str = "") -> DeclaredConflict:
    """A reviewer declares a standing conflict with an organisation: its applications are never assigned to them."""
    if not selectors.is_reviewer(by):
        raise PermissionDenied(_("Only reviewers declare conflicts of interest."))
    with transaction.atomic():
        conflict, _created = DeclaredConflict.objects.get_or_create(
            reviewer=by, organisation=organisation, defaults={"reason": reason.strip()[:300]}
        )
    return conflict


# --- Eligibility and technical check ----------------------------------------------------------------------------


def eligibility_check_record(
    *,
    application_id: int,
    by: User,
    country_eligible: bool,
    organisation_type_eligible: bool,
    request_within_bounds: bool,
    software_runs: bool,
    scaling_adequate: bool,
    reason: str = "",
) -> EligibilityCheck:
    """A call manager records the checklist. Every point holds: eligible, and the application goes to review (or
    straight to the panel when its mode has no reviewers). Otherwise ineligible: a reason is required, the
    application ends and the PI gets an email with the reason."""
    _require_call_manager(by)
    checks = {
        "country_eligible": country_eligible,
        "organisation_type_eligible": organisation_type_eligible,
        "request_within_bounds": request_within_bounds,
        "software_runs": software_runs,
        "scaling_adequate": scaling_adequate,
    }
    eligible = all(checks.values())
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise ValidationError({"reason": _("Give the reason the application is ineligible; the PI receives it.")})
    with transaction.atomic():
        application = _lock(application_id)
        if not eligible:
            action = Action.FAIL_CHECK
        elif application.call.access_mode.reviewers_required == 0:
            action = Action.PASS_CHECK_TO_PANEL
        else:
            action = Action.PASS_CHECK
        check_transition(application=application, action=action, by=by)
        if EligibilityCheck.objects.filter(application=application).exists():
            raise ValidationError(_("This application was already checked."))
        check = EligibilityCheck.objects.create(
            application=application,
            outcome=CheckOutcome.ELIGIBLE if eligible else CheckOutcome.INELIGIBLE,
            reason=reason,
            checked_by=by,
            **checks,
        )
        application = application_transition(application_id=application.pk, action=action, by=by, comment=reason)
        _event(ReviewEventKind.CHECK, application=application, by=by, outcome=check.outcome, **checks)
        if not eligible and application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="reviews/email/ineligible",
                context={
                    "application": application,
                    "reason": reason,
                    "url": _absolute_url("application_detail", pk=application.pk),
                },
            )
    return check


# --- Assignment -------------------------------------------------------------------------------------------------


def _assign(application: Application, reviewer: User, *, due_on: dt.date, by: User, assigned_by: User | None = None):
    """Checks and creates one assignment; ``application`` is locked by the caller."""
    if application.status != Status.IN_REVIEW:
        raise ValidationError(
            _("%(ref)s is %(status)s: reviewers are assigned only in review.")
            % {"ref": application, "status": _status_label(application.status)}
        )
    if not selectors.is_reviewer(reviewer):
        raise ValidationError(_("%(user)s does not have the reviewer role.") % {"user": reviewer})
    active = ReviewAssignment.objects.filter(application=application, status__in=ACTIVE_ASSIGNMENT)
    if active.filter(reviewer=reviewer).exists():
        raise ValidationError(_("%(user)s is already assigned to %(ref)s.") % {"user": reviewer, "ref": application})
    required = application.call.access_mode.reviewers_required
    if active.count() >= required:
        raise ValidationError(_("%(ref)s already has its %(n)d reviewers.") % {"ref": application, "n": required})
    if ReviewAssignment.objects.filter(
        application=application, reviewer=reviewer, status=AssignmentStatus.CONFLICT
    ).exists():
        raise ValidationError(
            _("%(user)s declared a conflict of interest with %(ref)s.") % {"user": reviewer, "ref": application}
        )
    reason = selectors.conflict_reason(reviewer=reviewer, application=application)
    if reason is not None:
        raise ValidationError(
            _("%(user)s has a conflict of interest with %(ref)s (%(reason)s).")
            % {"user": reviewer, "ref": application, "reason": CONFLICT_REASONS.get(reason, reason)}
        )
    profile = ReviewerProfile.objects.filter(user=reviewer).first()
    load = ReviewAssignment.objects.filter(
        reviewer=reviewer, application__call_id=application.call_id, status__in=ACTIVE_ASSIGNMENT
    ).count()
    max_load = profile.max_load_per_call if profile else 0
    if load >= max_load:
        raise ValidationError(
            _("%(user)s has reached their maximum of %(n)d reviews in this call.") % {"user": reviewer, "n": max_load}
        )
    if due_on <= timezone.localdate():
        raise ValidationError({"due_on": _("Choose a due date after today.")})
    assignment = ReviewAssignment.objects.create(
        application=application, reviewer=reviewer, due_on=due_on, assigned_by=assigned_by or by
    )
    _event(
        ReviewEventKind.ASSIGNED,
        application=application,
        by=by,
        assignment=assignment,
        reviewer_id=reviewer.pk,
        due_on=due_on.isoformat(),
    )
    return assignment


def _email_assigned(assignments: list[ReviewAssignment]) -> None:
    """One email per reviewer listing their new assignments, sent when the transaction commits: a batch refused as
    a whole (or a rolled-back savepoint) emails nobody."""
    by_reviewer: dict[int, list[ReviewAssignment]] = {}
    for assignment in assignments:
        by_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
    for batch in by_reviewer.values():
        queue_templated_email(
            to=[batch[0].reviewer.email],
            template="reviews/email/assigned",
            context={
                "requests": [
                    {
                        "application": a.application,
                        "due_on": a.due_on,
                        "url": _absolute_url("review_assignment", pk=a.pk),
                    }
                    for a in batch
                ]
            },
        )


CONFLICT_REASONS = {
    "pi": _("principal investigator"),
    "team_member": _("team member"),
    "organisation": _("member of, affiliated with or declared conflict with the applicant organisation"),
}


def default_due_on() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)


def assignments_create(
    *, pairs: list[tuple[int, int]], by: User, due_on: dt.date | None = None
) -> list[ReviewAssignment]:
    """A call manager assigns reviewers: ``(application id, reviewer id)`` pairs, by hand or an accepted suggestion.

    All or nothing: a conflicted reviewer, one at their maximum load, a duplicate or an application not in review
    refuses the whole batch with every reason."""
    _require_call_manager(by)
    due_on = due_on or default_due_on()
    created = []
    errors: list[str] = []
    with transaction.atomic():
        reviewers = {u.pk: u for u in User.objects.filter(pk__in={r for _a, r in pairs})}
        for application_id in sorted({a for a, _r in pairs}):
            application = _lock(application_id)
            for app_id, reviewer_id in pairs:
                if app_id != application_id:
                    continue
                reviewer = reviewers.get(reviewer_id)
                if reviewer is None:
                    errors.append(_("Unknown reviewer."))
                    continue
                try:
                    with transaction.atomic():
                        created.append(_assign(application, reviewer, due_on=due_on, by=by))
                except ValidationError as exc:
                    errors.extend(exc.messages)
        if errors:
            transaction.set_rollback(True)
            raise ValidationError(list(dict.fromkeys(errors)))
        _email_assigned(created)
    return created


def suggestion_accept(*, call, by: User, due_on: dt.date | None = None) -> list[ReviewAssignment]:
    """Accept the current suggestion for the call in bulk."""
    _require_call_manager(by)
    pairs = [(s.application.pk, s.reviewer.pk) for s in selectors.assignment_suggestion(call=call)]
    if not pairs:
        raise ValidationError(_("There is nothing to assign: every application in review has its reviewers."))
    return assignments_create(pairs=pairs, by=by, due_on=due_on)


def _reassign(application: Application, returned: ReviewAssignment) -> ReviewAssignment | None:
    """After a conflict or a decline: the next suggested reviewer takes the place, if the pool has one."""
    suggestion = selectors.assignment_suggestion(call=application.call, application_ids=[application.pk])
    if not suggestion:
        return None
    due_on = max(returned.due_on, timezone.localdate() + dt.timedelta(days=7))
    assignment = _assign(application, suggestion[0].reviewer, due_on=due_on, by=None, assigned_by=returned.assigned_by)
    _email_assigned([assignment])
    return assignment


def _own_open_assignment(assignment_id: int, by: User) -> tuple[Application, ReviewAssignment]:
    try:
        application_id = ReviewAssignment.objects.values_list("application_id", flat=True).get(
            pk=assignment_id, reviewer=by
        )
    except ReviewAssignment.DoesNotExist:
        raise PermissionDenied(_("This is not your assignment."))
    application = _lock(application_id)
    assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment_id)
    if assignment.status != AssignmentStatus.PENDING:
        raise ValidationError(
            _("You already answered this assignment (%(status)s).")
            % {"status": str(AssignmentStatus(assignment.status).label).lower()}
        )
    if application.status != Status.IN_REVIEW:
        raise ValidationError(_("This application is no longer in review."))
    return application, assignment


def assignment_accept(*, assignment_id: int, by: User, no_conflict: bool) -> ReviewAssignment:
    """The reviewer declares no conflict of interest and accepts; only then may they read the full application."""
    if not no_conflict:
        raise ValidationError(
            {"no_conflict": _("Declare that you have no conflict of interest, or declare a conflict.")}
        )
    with transaction.atomic():
        application, assignment = _own_open_assignment(assignment_id, by)
        assignment.status = AssignmentStatus.ACCEPTED
        assignment.responded_at = timezone.now()
        assignment.save(update_fields=["status", "responded_at"])
        _event(ReviewEventKind.DECLARED_NO_CONFLICT, application=application, by=by, assignment=assignment)
        _event(ReviewEventKind.ACCEPTED, application=application, by=by, assignment=assignment)
        # An empty draft, so that the review has an id (web and API) from the start.
        Review.objects.create(assignment=assignment, version=1)
    return assignment


def assignment_decline(*, assignment_id: int, by: User, reason: str = "") -> ReviewAssignment:
    """The reviewer declines (no time, not their field); the place is reassigned."""
    with transaction.atomic():
        application, assignment = _own_open_assignment(assignment_id, by)
        assignment.status = AssignmentStatus.DECLINED
        assignment.responded_at = timezone.now()
        assignment.save(update_fields=["status", "responded_at"])
        _event(ReviewEventKind.DECLINED, application=application, by=by, assignment=assignment, reason=reason[:500])
        _reassign(application, assignment)
    return assignment


def assignment_declare_conflict(*, assignment_id: int, by: User, reason: str = "") -> ReviewAssignment:
    """The reviewer declares a conflict of interest: the assignment returns and is reassigned; they never see the
    full application."""
    with transaction.atomic():
        application, assignment = _own_open_assignment(assignment_id, by)
        assignment.status = AssignmentStatus.CONFLICT
        assignment.responded_at = timezone.now()
        assignment.save(update_fields=["status", "responded_at"])
        _event(
            ReviewEventKind.DECLARED_CONFLICT,
            application=application,
            by=by,
            assignment=assignment,
            reason=reason[:500],
        )
        _reassign(application, assignment)
    return assignment


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
    required = application.call.access_mode.reviewers_required
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


# --- Right to reply ----------------------------------------------------------------------------------------------


def reply_window_open(*, application_id: int, by: User | None, now=None, days: int = REPLY_DAYS) -> RightToReply:
    """Open the PI's right to reply (the portal, once the reviews are complete, or a call manager); emails the PI."""
    now = now or timezone.now()
    with transaction.atomic():
        application = application_transition(application_id=application_id, action=Action.OPEN_REPLY, by=by, now=now)
        window = RightToReply.objects.create(
            application=application, opened_at=now, deadline=now + dt.timedelta(days=days)
        )
        application = Application.objects.select_related("pi").get(pk=application.pk)
        if application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="reviews/email/reply_open",
                context={
                    "application": application,
                    "deadline": brussels_time(window.deadline),
                    "url": _absolute_url("application_reviews", pk=application.pk),
                },
            )
    return window


def reply_submit(*, application_id: int, by: User, text: str, now=None) -> RightToReply:
    """The PI's one reply (at most 5,000 characters) before the deadline; the application then goes to the panel."""
    now = now or timezone.now()
    text = (text or "").strip()
    with transaction.atomic():
        application = _lock(application_id)
        roles = application_selectors.roles_of(user=by, application=application)
        if Role.PI not in roles:
            raise PermissionDenied(_("Only the principal investigator can reply to the reviews."))
        if application.status != Status.RIGHT_TO_REPLY:
            raise ValidationError(_("The right to reply is not open for this application."))
        window = RightToReply.objects.select_for_update().get(application=application)
        if window.has_reply:
            raise ValidationError(_("You have already replied; there is one reply per application."))
        if window.deadline <= now:
            raise ValidationError(
                _("The deadline to reply passed on %(when)s (Brussels time).")
                % {"when": brussels_time(window.deadline)}
            )
        if not text:
            raise ValidationError({"text": _("Write your reply.")})
        if len(text) > REPLY_MAX_CHARS:
            raise ValidationError(
                {"text": _("A reply has at most 5,000 characters (this one has %(n)d).") % {"n": len(text)}}
            )
        window.text = text
        window.replied_by = by
        window.replied_at = now
        window.closed_at = now
        window.save(update_fields=["text", "replied_by", "replied_at", "closed_at"])
        _event(ReviewEventKind.REPLY, application=application, by=by, characters=len(text))
        application_transition(application_id=application.pk, action=Action.CLOSE_REPLY, by=by, now=now)
    return window


def reply_windows_close(*, now=None) -> int:
    """Beat: move applications whose reply deadline passed to the panel (the portal acts). Idempotent."""
    now = now or timezone.now()
    closed = 0
    for window in selectors.reply_windows_expired(now=now):
        with transaction.atomic():
            application = _lock(window.application_id)
            if application.status != Status.RIGHT_TO_REPLY:
                continue
            RightToReply.objects.filter(pk=window.pk, closed_at__isnull=True).update(closed_at=now)
            application_transition(
                application_id=application.pk,
                action=Action.CLOSE_REPLY,
                by=None,
                now=now,
                comment=_("The reply deadline passed."),
            )
            closed += 1
    return closed


# --- Panel ---------------------------------------------------------------------------------------------------------


def rank_move(*, application_id: int, position: int, justification: str, by: User) -> RankMove:
    """The panel chair moves an application to ``position`` in its panel list, with a written justification."""
    _require_call_manager(by)
    justification = (justification or "").strip()
    errors = {}
    if not justification:
        errors["justification"] = _("Write why the application moves.")
    if position is None or position < 1:
        errors["position"] = _("Choose a position of 1 or more.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application = _lock(application_id)
        if application.status != Status.PANEL:
            raise ValidationError(
                _("Only applications in the panel can move; this one is %(status)s.")
                % {"status": _status_label(application.status)}
            )
        before = selectors.panel_rank_of(application=application)
        move = RankMove.objects.create(
            application=application, position=position, justification=justification, moved_by=by
        )
        _event(
            ReviewEventKind.RANK_MOVE,
            application=application,
            by=by,
            from_position=before,
            to_position=position,
            justification=justification,
        )
    return move


def application_decide(
    *, application_id: int, decision: Status | str, justification: str, by: User, now=None
) -> PanelDecision:
    """The panel chair decides: approved, waitlisted or rejected, with a justification; the PI gets an email after
    commit. Two managers deciding at once serialise on the application's row lock: the first decision stands and
    the other gets ``DecisionConflict`` (nothing recorded, no second email)."""
    _require_call_manager(by)
    try:
        decision = Status(decision)
    except ValueError:
        decision = None
    if decision not in DECISION_ACTIONS:
        raise ValidationError({"decision": _("Choose approved, waitlisted or rejected.")})
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Write a justification for the decision.")})
    with transaction.atomic():
        application = _lock(application_id)
        if application.status in DECISIONS:
            earlier = PanelDecision.objects.select_related("decided_by").filter(application=application).first()
            raise DecisionConflict(
                _(
                    "%(ref)s was already decided (%(decision)s) by %(who)s at %(when)s. Your decision was not "
                    "recorded; reload the panel to see the current state."
                )
                % {
                    "ref": application,
                    "decision": _status_label(application.status),
                    "who": earlier.decided_by if earlier else _("another call manager"),
                    "when": brussels_time(earlier.decided_at) if earlier else "—",
                },
                code="conflict",
            )
        rank = selectors.panel_rank_of(application=application)
        application = application_transition(
            application_id=application.pk, action=DECISION_ACTIONS[decision], by=by, comment=justification, now=now
        )
        try:
            with transaction.atomic():
                record = PanelDecision.objects.create(
                    application=application, decision=decision, rank=rank, justification=justification, decided_by=by
                )
        except IntegrityError:
            raise DecisionConflict(_("%(ref)s was already decided.") % {"ref": application}, code="conflict")
        _event(
            ReviewEventKind.DECISION,
            application=application,
            by=by,
            decision=decision.value,
            rank=rank,
            justification=justification,
        )
        if application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="reviews/email/decision",
                context={
                    "application": application,
                    "decision": decision,
                    "decision_label": _status_label(decision),
                    "url": _absolute_url("application_reviews", pk=application.pk),
                },
            )
    return record


def applications_decide(
    *, application_ids: list[int], decision: Status | str, justification: str, by: User
) -> list[PanelDecision]:
    """Decide several applications at once with one justification: all or nothing."""
    if not application_ids:
        raise ValidationError({"applications": _("Select at least one application.")})
    with transaction.atomic():
        return [
            application_decide(application_id=pk, decision=decision, justification=justification, by=by)
            for pk in sorted(set(application_ids))
        ]


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
