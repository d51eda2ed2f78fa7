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

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from allocations.applications.workflow import Status
from allocations.models import Application, Call, CallCutoff, RubricCriterion
from reviews import scoring
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    AssignmentStatus,
    DeclaredConflict,
    PanelDecision,
    RankMove,
    Review,
    ReviewAssignment,
    ReviewerProfile,
    ReviewStatus,
    RightToReply,
)
from reviews.selectors import matching as _matching

# The matching reads, re-exported: callers use ``selectors.<name>``.
ApplicationMatch = _matching.ApplicationMatch
Suggestion = _matching.Suggestion
SuggestionReport = _matching.SuggestionReport
affinity_documents = _matching.affinity_documents
assignable_reviewers = _matching.assignable_reviewers
assignment_suggestion = _matching.assignment_suggestion
conflict_reason = _matching.conflict_reason
fresh_affinity = _matching.fresh_affinity
matching_objective = _matching.matching_objective
reviewer_pool = _matching.reviewer_pool
suggestion_report = _matching.suggestion_report

# Statuses in which the applicant reads the anonymised reviews (they are sent to every applicant once complete).
REVIEWS_VISIBLE = frozenset(
    {
        Status.REVIEWS_COMPLETE,
        Status.RIGHT_TO_REPLY,
        Status.PANEL,
        Status.APPROVED,
        Status.WAITLISTED,
        Status.REJECTED,
        Status.OFFERED,
        Status.ACCEPTED,
        Status.DECLINED,
        Status.ACTIVE,
        Status.CLOSED,
    }
)
PANEL_STATUSES = (Status.PANEL, Status.APPROVED, Status.WAITLISTED, Status.REJECTED)
DECIDABLE = Status.PANEL


def is_reviewer(user: User) -> bool:
    return user.is_authenticated and has_role(user, PlatformRole.REVIEWER)


def is_call_manager(user: User) -> bool:
    return user.is_authenticated and has_role(user, PlatformRole.CALL_MANAGER)


# --- Rubric and scores -------------------------------------------------------------------------------------------


def criteria_of(call: Call) -> list[RubricCriterion]:
    """The call's rubric in order (uses prefetched ``criteria`` when present)."""
    return sorted(call.criteria.all(), key=lambda c: (c.position, c.id))


def pure_criteria(criteria: list[RubricCriterion]) -> list[scoring.Criterion]:
    return [scoring.Criterion(id=c.pk, weight=c.weight, threshold=c.threshold) for c in criteria]


def review_scores(review: Review) -> dict[int, int]:
    return {int(k): int(v) for k, v in (review.scores or {}).items()}


def latest_submitted(reviews) -> Review | None:
    submitted = [r for r in reviews if r.status == ReviewStatus.SUBMITTED]
    return max(submitted, key=lambda r: r.version) if submitted else None


def _reviews_prefetch() -> Prefetch:
    return Prefetch("reviews", queryset=Review.objects.order_by("version"))


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
    criteria = list(RubricCriterion.objects.filter(call_id=application.call_id).order_by("position", "id"))
    reviews = Review.objects.filter(assignment__application=application, status=ReviewStatus.SUBMITTED).order_by(
        "assignment_id", "version"
    )
    latest: dict[int, Review] = {}
    for review in reviews.only("assignment_id", "version", "scores", "comment_for_applicant", "status"):
        latest[review.assignment_id] = review
    result = []
    for n, review in enumerate(latest.values(), start=1):
        scores = review_scores(review)
        result.append(
            AnonymisedReview(
                label=_("Reviewer %(n)d") % {"n": n},
                scores=[(c.name, scores[c.pk]) for c in criteria if c.pk in scores],
                comment=review.comment_for_applicant,
            )
        )
    return result


def reply_window(*, application: Application) -> RightToReply | None:
    return RightToReply.objects.filter(application=application).first()


def review_progress(*, application: Application) -> dict:
    """What the applicant sees of the review stage: counts only, no names."""
    counts = ReviewAssignment.objects.filter(application=application, status__in=ACTIVE_ASSIGNMENT).aggregate(
        assigned=Count("pk"), completed=Count("pk", filter=Q(status=AssignmentStatus.COMPLETED))
    )
    return {
        "required": application.call.access_mode.reviewers_required,
        "completed": counts["completed"],
        "window": reply_window(application=application),
        "reviews_visible": application.status in REVIEWS_VISIBLE,
        "decision": PanelDecision.objects.filter(application=application).first(),
    }


# --- Call manager: boards and panel -------------------------------------------------------------------------------


def calls_for_management() -> QuerySet[Call]:
    """Published and closed calls with their counts of submitted applications by stage."""
    return (
        Call.objects.exclude(status="draft")
        .select_related("access_mode")
        .annotate(
            to_check=Count(
                "applications", filter=Q(applications__status__in=(Status.SUBMITTED, Status.ELIGIBILITY_CHECK))
            ),
            in_review=Count("applications", filter=Q(applications__status=Status.IN_REVIEW)),
            in_panel=Count("applications", filter=Q(applications__status=Status.PANEL)),
        )
        .order_by("-opens_at", "title")
    )


def call_for_management(*, slug: str) -> Call:
    return (
        Call.objects.select_related("access_mode")
        .prefetch_related(
            Prefetch("criteria", queryset=RubricCriterion.objects.order_by("position", "id")),
            Prefetch("cutoffs", queryset=CallCutoff.objects.order_by("at")),
        )
        .get(slug=slug)
    )


@dataclass
class Board:
    call: Call
    counts: list[tuple[str, str, int]]  # (status, label, count)
    applications: list[Application]
    missing_reviews: int
    overdue: int


def call_board(*, call: Call, today: dt.date | None = None) -> Board:
    """Per call: counts per status, then each submitted application with its reviews missing and overdue."""
    today = today or timezone.localdate()
    counts = dict(
        Application.objects.filter(call=call)
        .exclude(status=Status.DRAFT)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    applications = list(
        Application.objects.filter(call=call)
        .exclude(status__in=(Status.DRAFT, Status.WITHDRAWN))
        .select_related("organisation", "cutoff")
        .annotate(
            active_reviews=Count("review_assignments", filter=Q(review_assignments__status__in=ACTIVE_ASSIGNMENT)),
            completed_reviews=Count(
                "review_assignments", filter=Q(review_assignments__status=AssignmentStatus.COMPLETED)
            ),
            overdue_reviews=Count(
                "review_assignments",
                filter=Q(
                    review_assignments__status__in=(AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED),
                    review_assignments__due_on__lt=today,
                ),
            ),
        )
        .order_by("submitted_at", "pk")
    )
    required = call.access_mode.reviewers_required
    missing = 0
    for a in applications:
        a.missing_reviews = max(required - a.completed_reviews, 0) if a.status == Status.IN_REVIEW else 0
        a.unassigned = max(required - a.active_reviews, 0) if a.status == Status.IN_REVIEW else 0
        missing += a.missing_reviews
    return Board(
        call=call,
        counts=[(s.value, str(s.label), counts[s.value]) for s in Status if counts.get(s.value)],
        applications=applications,
        missing_reviews=missing,
        overdue=sum(a.overdue_reviews for a in applications),
    )


def application_for_manager(*, pk: int) -> Application:
    return Application.objects.select_related("call__access_mode", "organisation", "pi", "cutoff").get(pk=pk)


@dataclass
class PanelRow:
    rank: int
    application: Application
    summary: scoring.Summary
    weighted_text: str
    minimum_text: str
    criterion_texts: list[str]
    review_count: int
    moves: list[RankMove]
    decision: PanelDecision | None

    @property
    def flagged(self) -> bool:
        return self.summary.flagged


@dataclass
class Panel:
    call: Call
    cutoff: CallCutoff | None
    criteria: list[RubricCriterion]
    rows: list[PanelRow]
    threshold_text: str


def panel(*, call: Call, cutoff: CallCutoff | None = None) -> Panel:
    """The ranked list of a call (one cut-off batch when given): applications in the panel and decided ones.

    Five queries whatever the number of applications (the call's rubric comes prefetched or costs one more).
    """
    criteria = criteria_of(call)
    pure = pure_criteria(criteria)
    applications = (
        Application.objects.filter(call=call, status__in=PANEL_STATUSES)
        .select_related("organisation", "panel_decision")
        .prefetch_related(
            Prefetch(
                "review_assignments",
                queryset=ReviewAssignment.objects.filter(status=AssignmentStatus.COMPLETED).prefetch_related(
                    _reviews_prefetch()
                ),
            ),
            Prefetch("rank_moves", queryset=RankMove.objects.select_related("moved_by").order_by("created_at", "id")),
        )
    )
    if cutoff is not None:
        applications = applications.filter(cutoff=cutoff)
    applications = list(applications)
    summaries: dict[int, scoring.Summary] = {}
    counts: dict[int, int] = {}
    all_moves: list[RankMove] = []
    for a in applications:
        reviews = [latest_submitted(list(x.reviews.all())) for x in a.review_assignments.all()]
        score_sets = [review_scores(r) for r in reviews if r is not None]
        score_sets = [s for s in score_sets if all(c.id in s for c in pure)]
        summaries[a.pk] = scoring.summarise(score_sets, pure)
        counts[a.pk] = len(score_sets)
        all_moves.extend(a.rank_moves.all())
    all_moves.sort(key=lambda m: (m.created_at, m.pk))
    order = scoring.rank(
        [scoring.Candidate(id=a.pk, submitted_at=a.submitted_at, summary=summaries[a.pk]) for a in applications],
        [(m.application_id, m.position) for m in all_moves],
    )
    by_id = {a.pk: a for a in applications}
    rows = []
    for position, app_id in enumerate(order, start=1):
        a = by_id[app_id]
        s = summaries[app_id]
        rows.append(
            PanelRow(
                rank=position,
                application=a,
                summary=s,
                weighted_text=scoring.as_decimal_text(s.weighted),
                minimum_text=scoring.as_decimal_text(s.minimum),
                criterion_texts=[scoring.as_decimal_text(s.criterion_means.get(c.pk)) for c in criteria],
                review_count=counts[app_id],
                moves=list(a.rank_moves.all()),
                decision=getattr(a, "panel_decision", None),
            )
        )
    weights = sum(c.weight for c in criteria)
    threshold = (
        scoring.as_decimal_text(
            scoring.weighted_score({c.pk: c.threshold for c in criteria}, pure) if weights else None
        )
        if criteria
        else "—"
    )
    return Panel(call=call, cutoff=cutoff, criteria=criteria, rows=rows, threshold_text=threshold)


def panel_rank_of(*, application: Application) -> int:
    """The application's position in its call and cut-off panel list right now."""
    call = Call.objects.prefetch_related("criteria").get(pk=application.call_id)
    result = panel(call=call, cutoff=application.cutoff)
    return next((row.rank for row in result.rows if row.application.pk == application.pk), len(result.rows) + 1)


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
