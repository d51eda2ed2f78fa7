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
