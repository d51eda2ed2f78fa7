"""Conflict rules and the reviewer-assignment suggestion. Pure: plain data in, plain data out, no Django.

The suggestion is deterministic: applications in id order; for each open place, the eligible reviewer with the
best expertise overlap, then the lowest current load, then the lowest id. A conflicted reviewer, one at their
maximum load, an unavailable one or one already on the application is never chosen.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# An affiliation that ended less than this many years ago still conflicts.
FORMER_AFFILIATION_YEARS = 3

# Conflict type codes, most direct first; ``conflict_reason`` returns the first that applies.
CONFLICT_TYPES = (
    "pi",
    "team_member",
    "organisation",
    "former_organisation",
    "co_author",
    "supervisor",
    "student",
    "family",
    "excluded_by_applicant",
)


@dataclass(frozen=True)
class ReviewerFacts:
    id: int
    expertise: frozenset[str]
    # Organisations the reviewer belongs to, is affiliated with, or declared a standing conflict with.
    organisation_ids: frozenset[int]
    load: int  # active assignments in this call
    max_load: int
    available: bool = True
    # Organisations of affiliations that ended within FORMER_AFFILIATION_YEARS (see ``recent_organisations``).
    former_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    # "doi:..." and "title:..." keys of their publications (see ``publication_keys``).
    publication_keys: frozenset[str] = field(default_factory=frozenset)
    # Declared relationships: person id -> "supervisor" | "student" | "family".
    relationships: Mapping[int, str] = field(default_factory=dict)
    email: str = ""


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
    # Publication keys of the PI and the team.
    team_publication_keys: frozenset[str] = field(default_factory=frozenset)
    # E-mail addresses (lower case) the applicant excluded from, or suggested for, reviewing.
    excluded_emails: frozenset[str] = field(default_factory=frozenset)
    suggested_emails: frozenset[str] = field(default_factory=frozenset)


def topics(*groups: Iterable[str]) -> frozenset[str]:
    """Expertise words compared case-insensitively (AI domain codes and free keywords alike)."""
    return frozenset(word.strip().lower() for group in groups for word in group if word and word.strip())


def normalised_title(title: str) -> str:
    """Lower case letters and digits only, accents removed: the same paper however it was typed."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def publication_keys(publications: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Keys of ``(title, doi)`` pairs: the DOI (lower case, without resolver prefix) and the normalised title."""
    keys = set()
    for title, doi in publications:
        doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", (doi or "").strip().lower())
        if doi:
            keys.add(f"doi:{doi}")
        title = normalised_title(title or "")
        if len(title) >= 12:  # too short a title says nothing
            keys.add(f"title:{title}")
    return frozenset(keys)


def recent_organisations(affiliations: Iterable[tuple[int, dt.date | None]], *, today: dt.date) -> frozenset[int]:
    """Organisations of ``(organisation id, ended on)`` affiliations that are current or ended within
    FORMER_AFFILIATION_YEARS of ``today``."""
    try:
        since = today.replace(year=today.year - FORMER_AFFILIATION_YEARS)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - FORMER_AFFILIATION_YEARS, day=28)
    return frozenset(org for org, ended_on in affiliations if ended_on is None or ended_on >= since)


def conflict_reason(reviewer: ReviewerFacts, application: ApplicationFacts) -> str | None:
    """Why ``reviewer`` may not review ``application`` (a code of CONFLICT_TYPES), or ``None``."""
    if reviewer.id == application.pi_id:
        return "pi"
    if reviewer.id in application.team_user_ids:
        return "team_member"
    if application.organisation_id in reviewer.organisation_ids:
        return "organisation"
    if application.organisation_id in reviewer.former_organisation_ids:
        return "former_organisation"
    if reviewer.publication_keys & application.team_publication_keys:
        return "co_author"
    people = ({application.pi_id} if application.pi_id else set()) | set(application.team_user_ids)
    for person in sorted(people & set(reviewer.relationships)):
        return reviewer.relationships[person]
    if reviewer.email and reviewer.email.lower() in application.excluded_emails:
        return "excluded_by_applicant"
    return None


def is_suggested_by_applicant(reviewer: ReviewerFacts, application: ApplicationFacts) -> bool:
    return bool(reviewer.email) and reviewer.email.lower() in application.suggested_emails


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
