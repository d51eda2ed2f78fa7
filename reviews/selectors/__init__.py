"""Reads of the review stage.

Reviewers see only their own assignments (``DoesNotExist`` otherwise, which views and the API turn into 404) and
never another reviewer's identity. Applicants see anonymised reviews ("Reviewer 1") without the confidential
comment. Call managers see the boards and the panel. List reads run a fixed number of queries.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import PlatformRole, has_role
from allocations.applications.workflow import Status
from allocations.models import Application, ApplicationMember, RubricCriterion
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    AssignmentStatus,
    DeclaredConflict,
    PanelDecision,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewStatus,
    RightToReply,
)
from reviews.selectors import boards as _boards
from reviews.selectors import conflicts as _conflicts
from reviews.selectors import matching as _matching
from reviews.selectors._common import (  # noqa: F401 (re-exported)
    DECIDABLE,
    PANEL_STATUSES,
    REVIEWS_VISIBLE,
    _reviews_prefetch,
    criteria_of,
    latest_submitted,
    latest_submitted_reviews,
    pure_criteria,
    review_scores,
)
from reviews.selectors.queues import (  # noqa: F401 (re-exported: what waits for whom, read by the home page)
    applications_to_check,
    assignments_to_answer,
    panels_to_decide,
    replies_due,
    reviews_due,
)

# The call managers' and the matching reads, re-exported: callers use ``selectors.<name>``.
calls_for_management = _boards.calls_for_management
call_for_management = _boards.call_for_management
Board = _boards.Board
call_board = _boards.call_board
application_for_manager = _boards.application_for_manager
PanelReview = _boards.PanelReview
reviews_for_panel = _boards.reviews_for_panel
PanelRow = _boards.PanelRow
Panel = _boards.Panel
panel = _boards.panel
panel_rank_of = _boards.panel_rank_of
computed_eligibility = _boards.computed_eligibility

ApplicationMatch = _matching.ApplicationMatch
Suggestion = _matching.Suggestion
SuggestionReport = _matching.SuggestionReport
affinity_documents = _matching.affinity_documents
assignable_reviewers = _conflicts.assignable_reviewers
assignment_suggestion = _matching.assignment_suggestion
conflict_reason = _conflicts.conflict_reason
fresh_affinity = _matching.fresh_affinity
matching_objective = _matching.matching_objective
reviewer_declarations = _conflicts.reviewer_declarations
reviewer_pool = _conflicts.reviewer_pool
suggestion_report = _matching.suggestion_report


def is_reviewer(user: User) -> bool:
    return user.is_authenticated and has_role(user, PlatformRole.REVIEWER)


def is_call_manager(user: User) -> bool:
    return user.is_authenticated and has_role(user, PlatformRole.CALL_MANAGER)


# --- Reviewer ----------------------------------------------------------------------------------------------------


def reviewer_inbox(*, user: User) -> list[ReviewAssignment]:
    """``user``'s assignments, open ones first by due date, with their review state. Three queries."""
    assignments = list(
        ReviewAssignment.objects.filter(reviewer=user)
        .exclude(status__in=(AssignmentStatus.DECLINED, AssignmentStatus.CONFLICT))
        .select_related("application__call__access_mode", "application__organisation")
        .prefetch_related(_reviews_prefetch())
        .order_by("completed_at", "due_on", "id")
    )
    today = timezone.localdate()
    for a in assignments:
        reviews = list(a.reviews.all())
        a.draft = next((r for r in reviews if r.status == ReviewStatus.DRAFT), None)
        a.submitted_review = latest_submitted(reviews)
        a.is_overdue = a.is_open and a.due_on < today
    return assignments


def assignment_for_reviewer(*, user: User, pk: int) -> ReviewAssignment:
    """One of ``user``'s assignments; ``ReviewAssignment.DoesNotExist`` for anyone else's."""
    return ReviewAssignment.objects.select_related(
        "application__call__access_mode", "application__organisation", "application__pi"
    ).get(pk=pk, reviewer=user)


def application_for_reviewer(*, user: User, assignment: ReviewAssignment) -> Application:
    """The full application, only after the reviewer declared no conflict and accepted."""
    if assignment.reviewer_id != user.pk or assignment.status not in (
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.COMPLETED,
    ):
        raise Application.DoesNotExist
    return (
        Application.objects.select_related("call__access_mode", "organisation", "pi", "preferred_gigafactory")
        .prefetch_related(
            Prefetch("call__criteria", queryset=RubricCriterion.objects.order_by("position", "id")),
            "attachments",
        )
        .get(pk=assignment.application_id)
    )


def review_for_reviewer(*, user: User, pk: int) -> Review:
    """A review version of one of ``user``'s assignments; ``Review.DoesNotExist`` otherwise."""
    return Review.objects.select_related("assignment__application__call").get(pk=pk, assignment__reviewer=user)


def current_review(*, assignment: ReviewAssignment) -> Review | None:
    """The draft being written, else the latest submitted version."""
    reviews = list(assignment.reviews.order_by("version"))
    draft = next((r for r in reviews if r.status == ReviewStatus.DRAFT), None)
    return draft or latest_submitted(reviews)


def review_versions(*, assignment: ReviewAssignment) -> QuerySet[Review]:
    return assignment.reviews.order_by("-version")


def reviewer_profile(*, user: User) -> ReviewerProfile | None:
    return ReviewerProfile.objects.filter(user=user).select_related("organisation").first()


def declared_conflicts(*, user: User) -> QuerySet[DeclaredConflict]:
    return DeclaredConflict.objects.filter(reviewer=user).select_related("organisation")


# --- Applicant ---------------------------------------------------------------------------------------------------


@dataclass
class AnonymisedReview:
    label: str  # "Reviewer 1"
    scores: list[tuple[str, int]]  # (criterion name, score)
    comment: str


def reviews_for_applicant(*, application: Application) -> list[AnonymisedReview]:
    """The submitted reviews' comments for the applicant, labelled "Reviewer N" in assignment order. Never a
    reviewer's identity, never the confidential comment. Empty until the reviews are complete."""
    if application.status not in REVIEWS_VISIBLE:
        return []
    return [
        AnonymisedReview(label=_("Reviewer %(n)d") % {"n": n}, scores=scores, comment=review.comment_for_applicant)
        for n, (review, scores) in enumerate(latest_submitted_reviews(application), start=1)
    ]


def reply_window(*, application: Application) -> RightToReply | None:
    return RightToReply.objects.filter(application=application).first()


def review_progress(*, application: Application) -> dict:
    """What the applicant sees of the review stage: counts only, no names."""
    counts = ReviewAssignment.objects.filter(application=application, status__in=ACTIVE_ASSIGNMENT).aggregate(
        assigned=Count("pk"), completed=Count("pk", filter=Q(status=AssignmentStatus.COMPLETED))
    )
    return {
        "required": application.call.reviewers_needed,
        # Modes without peer review (Playground, Fast Lane) have no reviews to read, only a decision.
        "has_reviews": application.call.reviewers_needed > 0,
        "completed": counts["completed"],
        "window": reply_window(application=application),
        "reviews_visible": application.status in REVIEWS_VISIBLE and application.call.reviewers_needed > 0,
        "decision": PanelDecision.objects.filter(application=application).first(),
    }


# --- Reminders ---------------------------------------------------------------------------------------------------


def assignments_due_for_reminders(*, today: dt.date) -> QuerySet[ReviewAssignment]:
    """Open assignments due within 3 days or overdue, with what the reminder email needs."""
    return (
        ReviewAssignment.objects.filter(
            status__in=(AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED),
            due_on__lte=today + dt.timedelta(days=3),
        )
        .select_related("reviewer", "application__call")
        .order_by("due_on", "pk")
    )


def reply_windows_expired(*, now) -> QuerySet[RightToReply]:
    return RightToReply.objects.filter(
        deadline__lte=now, closed_at__isnull=True, application__status=Status.RIGHT_TO_REPLY
    ).order_by("deadline", "pk")


@dataclass(frozen=True)
class TeamPerson:
    name: str
    role: str
    organisations: list[str]


def team_for_conflict_check(*, application: Application) -> list[TeamPerson]:
    """The people a reviewer checks for conflicts before reading the application: the PI and each team member,
    with the organisations they belong to (invited members without an account show their e-mail). Two queries."""
    members = list(ApplicationMember.objects.filter(application=application).order_by("position", "id"))
    user_ids = {m.user_id for m in members if m.user_id} | ({application.pi_id} if application.pi_id else set())
    organisations: dict[int, list[str]] = {}
    people = {}
    for membership in (
        Membership.objects.filter(user_id__in=user_ids)
        .select_related("organisation", "user")
        .order_by("organisation__legal_name")
    ):
        organisations.setdefault(membership.user_id, []).append(membership.organisation.legal_name)
        people[membership.user_id] = membership.user
    team = []
    if application.pi_id:
        pi = application.pi
        team.append(TeamPerson(str(pi), _("Principal investigator"), organisations.get(pi.pk, [])))
    for member in members:
        if member.user_id == application.pi_id and member.user_id:
            continue
        person = people.get(member.user_id)
        name = str(person) if person else member.email
        team.append(TeamPerson(name, member.get_role_display(), organisations.get(member.user_id, [])))
    return team
