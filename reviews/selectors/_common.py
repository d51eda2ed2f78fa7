"""Shared by the review reads: which statuses show reviews and the panel, the rubric and the scores."""

from django.db.models import Prefetch

from allocations.applications.workflow import Status
from allocations.models import Call, RubricCriterion
from reviews import scoring
from reviews.models import (
    Review,
    ReviewStatus,
)

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


def latest_submitted_reviews(application, *, with_reviewer: bool = False) -> list[tuple[Review, list[tuple[str, int]]]]:
    """Each assignment's latest submitted review of ``application``, in assignment order, with its scores named by
    the call's rubric criteria in order. ``with_reviewer`` also loads each review's assignment and reviewer (staff
    reads); without it only the fields an applicant may read are loaded."""
    criteria = list(RubricCriterion.objects.filter(call_id=application.call_id).order_by("position", "id"))
    reviews = Review.objects.filter(assignment__application=application, status=ReviewStatus.SUBMITTED).order_by(
        "assignment_id", "version"
    )
    if with_reviewer:
        reviews = reviews.select_related("assignment__reviewer")
    else:
        reviews = reviews.only("assignment_id", "version", "scores", "comment_for_applicant", "status")
    latest: dict[int, Review] = {}
    for review in reviews:
        latest[review.assignment_id] = review
    named = []
    for review in latest.values():
        scores = review_scores(review)
        named.append((review, [(c.name, scores[c.pk]) for c in criteria if c.pk in scores]))
    return named
