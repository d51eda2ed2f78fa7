"""Weighted scores, the panel ranking and its tie-break. Pure: no Django, exact fractions, no floats.

Tie-break (shown on the panel page): higher weighted score, then higher minimum criterion score, then earlier
submission, then lower id. Applications without reviews (modes without reviewers) rank after scored ones, in
submission order (first come, first served). The chair's moves then apply in the order they were made.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

SPREAD_FLAG = 2  # reviewers' scores of one criterion differing by this much or more are flagged


@dataclass(frozen=True)
class Criterion:
    id: int
    weight: int
    threshold: int


def weighted_score(scores: Mapping[int, int], criteria: Sequence[Criterion]) -> Fraction:
    """Sum of weight x score over the sum of weights; every criterion must be scored."""
    total_weight = sum(c.weight for c in criteria)
    if total_weight <= 0:
        raise ValueError("a rubric needs at least one criterion with a positive weight")
    return Fraction(sum(c.weight * scores[c.id] for c in criteria), total_weight)


@dataclass(frozen=True)
class Summary:
    """An application's scores over its submitted reviews."""

    weighted: Fraction | None  # mean of the reviews' weighted scores
    criterion_means: dict[int, Fraction]
    minimum: Fraction | None  # lowest criterion mean
    spread: dict[int, int]  # criterion id -> max - min across reviewers
    meets_threshold: bool | None  # every criterion mean at or above its threshold

    @property
    def flagged(self) -> bool:
        return any(gap >= SPREAD_FLAG for gap in self.spread.values())


def summarise(reviews: Sequence[Mapping[int, int]], criteria: Sequence[Criterion]) -> Summary:
    if not reviews or not criteria:
        return Summary(None, {}, None, {}, None)
    means = {c.id: Fraction(sum(r[c.id] for r in reviews), len(reviews)) for c in criteria}
    spread = {c.id: max(r[c.id] for r in reviews) - min(r[c.id] for r in reviews) for c in criteria}
    weighted = sum((weighted_score(r, criteria) for r in reviews), Fraction(0)) / len(reviews)
    return Summary(
        weighted=weighted,
        criterion_means=means,
        minimum=min(means.values()),
        spread=spread,
        meets_threshold=all(means[c.id] >= c.threshold for c in criteria),
    )


@dataclass(frozen=True)
class Candidate:
    id: int
    submitted_at: datetime
    summary: Summary = field(default_factory=lambda: Summary(None, {}, None, {}, None))


def sort_key(candidate: Candidate):
    s = candidate.summary
    scored = s.weighted is not None
    return (
        0 if scored else 1,
        -(s.weighted or 0),
        -(s.minimum or 0),
        candidate.submitted_at,
        candidate.id,
    )


def rank(candidates: Iterable[Candidate], moves: Iterable[tuple[int, int]] = ()) -> list[int]:
    """Application ids in panel order. ``moves`` are ``(application id, 1-based position)`` in the order made;
    a move of an application not in the list is ignored and positions past the end mean last."""
    order = [c.id for c in sorted(candidates, key=sort_key)]
    for application_id, position in moves:
        if application_id not in order:
            continue
        order.remove(application_id)
        order.insert(max(position, 1) - 1, application_id)
    return order


def as_decimal_text(value: Fraction | None, places: int = 2) -> str:
    """A score for display, rounded half up (e.g. ``Fraction(11, 3)`` -> ``"3.67"``)."""
    if value is None:
        return "—"
    scale = 10**places
    scaled = (value * scale * 2 + 1) // 2  # round half up, exact
    whole, part = divmod(int(scaled), scale)
    return f"{whole}.{part:0{places}d}"
