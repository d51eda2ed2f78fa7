"""Reviewer profiles, standing conflicts and the assignment of reviewers: by hand or suggested, accepted,
declined or returned with a conflict."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from allocations.applications.workflow import Status
from allocations.models import AIDomain, Application
from portal.emails import queue_templated_email
from reviews import selectors
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    AssignmentStatus,
    DeclaredConflict,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewEventKind,
)
from reviews.services._common import _absolute_url, _event, _lock, _require_call_manager, _status_label

DEFAULT_DUE_DAYS = 14


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
    research_interests: str | None = None,
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
    if research_interests is not None and len(research_interests) > 5000:
        errors["research_interests"] = _("Write at most 5,000 characters.")
    if errors:
        raise ValidationError(errors)
    extra = {} if research_interests is None else {"research_interests": research_interests.strip()}
    with transaction.atomic():
        profile, _created = ReviewerProfile.objects.update_or_create(
            user=user,
            defaults={
                **extra,
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


# --- Assignment -------------------------------------------------------------------------------------------------


def _assign(
    application: Application,
    reviewer: User,
    *,
    due_on: dt.date,
    by: User,
    assigned_by: User | None = None,
    today: dt.date | None = None,
):
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
    required = application.call.reviewers_needed
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
    if due_on <= (today or timezone.localdate()):
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
    "former_organisation": _("affiliated with the applicant organisation in the last three years"),
    "co_author": _("co-author of the principal investigator or a team member"),
    "supervisor": _("supervisor of the principal investigator or a team member"),
    "student": _("supervised by the principal investigator or a team member"),
    "family": _("family or close relationship with the principal investigator or a team member"),
    "excluded_by_applicant": _("excluded by the applicant"),
    "already": _("already on the application, or returned it"),
}


def default_due_on() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)


def assignments_create(
    *, pairs: list[tuple[int, int]], by: User, due_on: dt.date | None = None, now=None
) -> list[ReviewAssignment]:
    """A call manager assigns reviewers: ``(application id, reviewer id)`` pairs, by hand or an accepted suggestion.

    All or nothing: a conflicted reviewer, one at their maximum load, a duplicate or an application not in review
    refuses the whole batch with every reason. ``now`` (default: the clock) is when they are assigned: the due
    date must come after its day."""
    _require_call_manager(by)
    today = timezone.localdate(now) if now else timezone.localdate()
    due_on = due_on or today + dt.timedelta(days=DEFAULT_DUE_DAYS)
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
                        created.append(_assign(application, reviewer, due_on=due_on, by=by, today=today))
                except ValidationError as exc:
                    errors.extend(exc.messages)
        if errors:
            transaction.set_rollback(True)
            raise ValidationError(list(dict.fromkeys(errors)))
        _email_assigned(created)
    return created


def suggestion_accept(*, call, by: User, due_on: dt.date | None = None) -> list[ReviewAssignment]:
    """Accept the current suggestion for the call in bulk. Each assignment keeps its affinity and the phrases that
    made the match (the reviewer sees them); each application gets a ``suggestion_accepted`` event."""
    _require_call_manager(by)
    report = selectors.suggestion_report(call=call)
    pairs = [(s.application.pk, s.reviewer.pk) for s in report.suggestions]
    if not pairs:
        raise ValidationError(_("There is nothing to assign: every application in review has its reviewers."))
    with transaction.atomic():
        created = assignments_create(pairs=pairs, by=by, due_on=due_on)
        _record_match(created, report)
    return created


def _record_match(created: list[ReviewAssignment], report) -> None:
    by_pair = {(s.application.pk, s.reviewer.pk): s for s in report.suggestions}
    for assignment in created:
        s = by_pair[(assignment.application_id, assignment.reviewer_id)]
        assignment.affinity = round(s.affinity * 10_000)
        assignment.match_terms = s.terms or s.overlap
        assignment.save(update_fields=["affinity", "match_terms"])
    for row in report.rows:
        if row.suggestions:
            _event(
                ReviewEventKind.SUGGESTION_ACCEPTED,
                application=row.application,
                by=created[0].assigned_by,
                objective=report.objective,
                text_affinity=report.text_affinity,
                reviewers=[{"id": s.reviewer.pk, "affinity": s.affinity} for s in row.suggestions],
            )


def assignment_by_hand(*, application: Application, reviewer_id: int, by: User, due_on=None) -> ReviewAssignment:
    """A call manager assigns a reviewer by hand. When the suggestion had someone else for this application, an
    ``override`` event records what was suggested and what was chosen."""
    suggested = [
        s.reviewer.pk for s in selectors.assignment_suggestion(call=application.call, application_ids=[application.pk])
    ]
    with transaction.atomic():
        (assignment,) = assignments_create(pairs=[(application.pk, reviewer_id)], by=by, due_on=due_on)
        if suggested and reviewer_id not in suggested:
            _event(
                ReviewEventKind.OVERRIDE,
                application=application,
                by=by,
                assignment=assignment,
                suggested=suggested,
                chosen=reviewer_id,
            )
    return assignment


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
