"""Conflict rules and the reviewer-assignment suggestion. Pure: plain data in, plain data out, no Django.

The suggestion is deterministic: applications in id order; for each open place, the eligible reviewer with the
best expertise overlap, then the lowest current load, then the lowest id. A conflicted reviewer, one at their
maximum load, an unavailable one or one already on the application is never chosen.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReviewerFacts:
    id: int
    expertise: frozenset[str]
    # Organisations the reviewer belongs to, is affiliated with, or declared a standing conflict with.
    organisation_ids: frozenset[int]
    load: int  # active assignments in this call
    max_load: int
    available: bool = True


@dataclass(frozen=True)
class ApplicationFacts:
    id: int
    organisation_id: int
    topics: frozenset[str]
    needed: int  # open reviewer places
    pi_id: int | None = None
    team_user_ids: frozenset[int] = field(default_factory=frozenset)
    # Reviewers already on it, or who returned it (conflict declared, declined): never suggested again.
    excluded_reviewer_ids: frozenset[int] = field(default_factory=frozenset)


def topics(*groups: Iterable[str]) -> frozenset[str]:
    """Expertise words compared case-insensitively (AI domain codes and free keywords alike)."""
    return frozenset(word.strip().lower() for group in groups for word in group if word and word.strip())


def conflict_reason(reviewer: ReviewerFacts, application: ApplicationFacts) -> str | None:
    """Why ``reviewer`` may not review ``application`` (a short code), or ``None``."""
    if reviewer.id == application.pi_id:
        return "pi"
    if reviewer.id in application.team_user_ids:
        return "team_member"
    if application.organisation_id in reviewer.organisation_ids:
        return "organisation"
    return None


def is_conflicted(reviewer: ReviewerFacts, application: ApplicationFacts) -> bool:
    return conflict_reason(reviewer, application) is not None


def suggest(applications: Iterable[ApplicationFacts], reviewers: Iterable[ReviewerFacts]) -> list[tuple[int, int]]:
    """``(application id, reviewer id)`` pairs filling the open places as far as the pool allows."""
    pool = sorted(reviewers, key=lambda r: r.id)
    load = {r.id: r.load for r in pool}
    pairs: list[tuple[int, int]] = []
    for application in sorted(applications, key=lambda a: a.id):
        taken = set(application.excluded_reviewer_ids)
        for _place in range(max(application.needed, 0)):
            candidates = [
                r
                for r in pool
                if r.available and r.id not in taken and load[r.id] < r.max_load and not is_conflicted(r, application)
            ]
            if not candidates:
                break
            best = min(candidates, key=lambda r: (-len(r.expertise & application.topics), load[r.id], r.id))
            pairs.append((application.id, best.id))
            taken.add(best.id)
            load[best.id] += 1
    return pairs
