"""Reads for reviewer matching: conflict facts, the affinity documents of a call and the suggestion.

For call managers only (the views check the role): conflict types and affinities are never shown to applicants.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership, User
from allocations.applications.workflow import Status
from allocations.models import AIDomain, Application, ApplicationMember, Call
from reviews import affinity as affinity_rules
from reviews import assignment as assignment_rules
from reviews import matching
from reviews.models import (
    ACTIVE_ASSIGNMENT,
    Affiliation,
    CallAffinity,
    CallMatchingSetting,
    DeclaredConflict,
    DeclaredRelationship,
    MatchingObjective,
    Publication,
    ReviewAssignment,
)

ALREADY = "already"  # on the application now, or returned it: never suggested again


def reviewer_pool() -> list[User]:
    """Users with the reviewer role, with their profiles."""
    from accounts.roles import PlatformRole

    return list(
        User.objects.filter(groups__name=PlatformRole.REVIEWER, is_active=True)
        .select_related("reviewer_profile")
        .order_by("pk")
        .distinct()
    )


def _publications(user_ids) -> dict[int, list[tuple[str, str]]]:
    result: dict[int, list[tuple[str, str]]] = {}
    for user_id, title, doi in Publication.objects.filter(user_id__in=user_ids).values_list("user_id", "title", "doi"):
        result.setdefault(user_id, []).append((title, doi))
    return result


def _reviewer_facts(call: Call, reviewers: list[User], *, today: dt.date | None = None):
    today = today or timezone.localdate()
    ids = [r.pk for r in reviewers]
    organisations: dict[int, set[int]] = {pk: set() for pk in ids}
    for user_id, org_id in Membership.objects.filter(user_id__in=ids).values_list("user_id", "organisation_id"):
        organisations[user_id].add(org_id)
    for user_id, org_id in DeclaredConflict.objects.filter(reviewer_id__in=ids).values_list(
        "reviewer_id", "organisation_id"
    ):
        organisations[user_id].add(org_id)
    affiliations: dict[int, list] = {pk: [] for pk in ids}
    for user_id, org_id, ended_on in Affiliation.objects.filter(user_id__in=ids).values_list(
        "user_id", "organisation_id", "ended_on"
    ):
        affiliations[user_id].append((org_id, ended_on))
    relationships: dict[int, dict[int, str]] = {pk: {} for pk in ids}
    for reviewer_id, person_id, kind in DeclaredRelationship.objects.filter(reviewer_id__in=ids).values_list(
        "reviewer_id", "person_id", "kind"
    ):
        relationships[reviewer_id][person_id] = kind
    publications = _publications(ids)
    loads = dict(
        ReviewAssignment.objects.filter(reviewer_id__in=ids, application__call=call, status__in=ACTIVE_ASSIGNMENT)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    facts = []
    for reviewer in reviewers:
        profile = getattr(reviewer, "reviewer_profile", None)
        if profile is not None and profile.organisation_id:
            organisations[reviewer.pk].add(profile.organisation_id)
        facts.append(
            assignment_rules.ReviewerFacts(
                id=reviewer.pk,
                expertise=assignment_rules.topics(profile.expertise, profile.keywords) if profile else frozenset(),
                organisation_ids=frozenset(organisations[reviewer.pk]),
                load=loads.get(reviewer.pk, 0),
                max_load=profile.max_load_per_call if profile else 0,
                available=bool(profile and profile.is_available),
                former_organisation_ids=assignment_rules.recent_organisations(affiliations[reviewer.pk], today=today),
                publication_keys=assignment_rules.publication_keys(publications.get(reviewer.pk, [])),
                relationships=relationships[reviewer.pk],
                email=reviewer.email or "",
            )
        )
    return facts


def _application_facts(applications: list[Application]):
    ids = [a.pk for a in applications]
    team: dict[int, set[int]] = {pk: set() for pk in ids}
    for app_id, user_id in ApplicationMember.objects.filter(application_id__in=ids, user__isnull=False).values_list(
        "application_id", "user_id"
    ):
        team[app_id].add(user_id)
    excluded: dict[int, set[int]] = {pk: set() for pk in ids}
    active: dict[int, int] = dict.fromkeys(ids, 0)
    for app_id, reviewer_id, status in ReviewAssignment.objects.filter(application_id__in=ids).values_list(
        "application_id", "reviewer_id", "status"
    ):
        excluded[app_id].add(reviewer_id)  # on it now, or returned it: never again
        if status in ACTIVE_ASSIGNMENT:
            active[app_id] += 1
    authors = set().union(*team.values()) | {a.pi_id for a in applications if a.pi_id}
    publications = _publications(authors)

    def team_keys(a: Application) -> frozenset[str]:
        people = team[a.pk] | ({a.pi_id} if a.pi_id else set())
        return assignment_rules.publication_keys(p for person in people for p in publications.get(person, []))

    return [
        assignment_rules.ApplicationFacts(
            id=a.pk,
            organisation_id=a.organisation_id,
            topics=assignment_rules.topics([a.ai_domain] if a.ai_domain else [], a.keywords or []),
            needed=max(a.call.reviewers_needed - active[a.pk], 0),
            pi_id=a.pi_id,
            team_user_ids=frozenset(team[a.pk]),
            excluded_reviewer_ids=frozenset(excluded[a.pk]),
            team_publication_keys=team_keys(a),
            excluded_emails=frozenset(e.lower() for e in a.excluded_reviewers or []),
            suggested_emails=frozenset(e.lower() for e in a.suggested_reviewers or []),
        )
        for a in applications
    ]


def conflict_reason(*, reviewer: User, application: Application) -> str | None:
    """Why ``reviewer`` may not review ``application`` (a code of ``assignment.CONFLICT_TYPES``), or ``None``."""
    facts = _reviewer_facts(application.call, [reviewer])[0]
    app_facts = _application_facts([application])[0]
    return assignment_rules.conflict_reason(facts, app_facts)


def assignable_reviewers(*, application: Application) -> list[tuple[User, str | None, int, int]]:
    """For assigning by hand: each reviewer with the reason they cannot take it (or None), load and max load."""
    reviewers = reviewer_pool()
    facts = _reviewer_facts(application.call, reviewers)
    app_facts = _application_facts([application])[0]
    result = []
    for reviewer, f in zip(reviewers, facts, strict=True):
        reason = assignment_rules.conflict_reason(f, app_facts)
        if reason is None and reviewer.pk in app_facts.excluded_reviewer_ids:
            reason = ALREADY
        elif reason is None and not f.available:
            reason = "unavailable"
        elif reason is None and f.load >= f.max_load:
            reason = "max_load"
        result.append((reviewer, reason, f.load, f.max_load))
    return result


def reviewer_declarations(*, user: User):
    """The reviewer's own publications, affiliations and relationships (only they see them)."""
    return {
        "publications": list(Publication.objects.filter(user=user)),
        "affiliations": list(Affiliation.objects.filter(user=user).select_related("organisation")),
        "relationships": list(DeclaredRelationship.objects.filter(reviewer=user).select_related("person")),
    }


# --- Affinity documents ------------------------------------------------------------------------------------------


def _applications_in_review(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, status=Status.IN_REVIEW)
        .select_related("call__access_mode", "organisation")
        .order_by("pk")
    )


def affinity_documents(*, call: Call, applications=None, reviewers=None):
    """The texts the affinities are computed from: the call's applications in review and the reviewer pool."""
    applications = _applications_in_review(call) if applications is None else applications
    reviewers = reviewer_pool() if reviewers is None else reviewers
    labels = dict(AIDomain.choices)
    titles: dict[int, list[str]] = {}
    for user_id, title in Publication.objects.filter(user_id__in=[r.pk for r in reviewers]).values_list(
        "user_id", "title"
    ):
        titles.setdefault(user_id, []).append(title)
    app_docs = [
        affinity_rules.Document(
            a.pk,
            affinity_rules.application_text(
                title=a.title, abstract=a.abstract, keywords=a.keywords, domain_label=str(labels.get(a.ai_domain, ""))
            ),
            frozenset([a.ai_domain] if a.ai_domain else []),
        )
        for a in applications
    ]
    reviewer_docs = []
    for r in reviewers:
        profile = getattr(r, "reviewer_profile", None)
        expertise = list(profile.expertise) if profile else []
        text = affinity_rules.reviewer_text(
            keywords=list(profile.keywords) if profile else [],
            research_interests=profile.research_interests if profile else "",
            publication_titles=titles.get(r.pk, []),
            domain_labels=[str(labels.get(e, e)) for e in expertise],
        )
        reviewer_docs.append(affinity_rules.Document(r.pk, text, frozenset(expertise)))
    return app_docs, reviewer_docs


def fresh_affinity(*, call: Call, app_docs, reviewer_docs) -> CallAffinity | None:
    """The stored affinities of the call if they were computed from exactly these texts."""
    digest = affinity_rules.content_hash(app_docs, reviewer_docs)
    return CallAffinity.objects.filter(call=call, content_hash=digest).first()


def matching_objective(*, call: Call) -> str:
    setting = CallMatchingSetting.objects.filter(call=call).first()
    return setting.objective if setting else MatchingObjective.BOTTLENECK


# --- The suggestion ----------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    application: Application
    reviewer: User
    overlap: list[str] = field(default_factory=list)
    affinity: float = 0.0
    terms: list[str] = field(default_factory=list)
    suggested_by_applicant: bool = False


@dataclass
class NotChosen:
    reviewer: User
    affinity: float
    reason: str


@dataclass
class ApplicationMatch:
    application: Application
    suggestions: list[Suggestion]
    shortfall: int
    not_chosen: NotChosen | None
    conflicts: list[tuple[User, str]]


@dataclass
class SuggestionReport:
    """The suggestion for a call, with what a call manager needs to judge it."""

    objective: str
    top_k: int | None
    text_affinity: bool  # False: expertise overlap stands in until the text affinities are computed
    computed_at: dt.datetime | None
    rows: list[ApplicationMatch]
    bottleneck: float | None
    total: float

    @property
    def suggestions(self) -> list[Suggestion]:
        return [s for row in self.rows for s in row.suggestions]


def _overlap_scores(app_facts, reviewer_facts) -> np.ndarray:
    """Share of the application's topics (domain and keywords) in the reviewer's expertise."""
    return np.array(
        [[len(r.expertise & a.topics) / max(len(a.topics), 1) for r in reviewer_facts] for a in app_facts]
    ).reshape(len(app_facts), len(reviewer_facts))


def _stored_scores(stored: CallAffinity, app_ids: list[int], reviewer_ids: list[int]) -> np.ndarray:
    matrix = np.frombuffer(bytes(stored.scores), dtype=np.uint16).reshape(
        len(stored.application_ids), len(stored.reviewer_ids)
    )
    rows = [stored.application_ids.index(a) for a in app_ids]
    cols = [stored.reviewer_ids.index(r) for r in reviewer_ids]
    return matrix[np.ix_(rows, cols)].astype(float) / matching.SCALE


def suggestion_report(*, call: Call, application_ids: list[int] | None = None) -> SuggestionReport:
    """The optimal suggestion for the call's applications in review with open places, under the call's objective.
    Uses the stored text affinities when they match the current texts, else the expertise overlap."""
    applications = _applications_in_review(call)
    if application_ids is not None:
        applications = [a for a in applications if a.pk in set(application_ids)]
    objective = matching_objective(call=call)
    reviewers = reviewer_pool()
    if not applications or not reviewers:
        return SuggestionReport(objective, None, False, None, [], None, 0.0)
    all_apps = _applications_in_review(call) if application_ids is not None else applications
    app_docs, reviewer_docs = affinity_documents(call=call, applications=all_apps, reviewers=reviewers)
    stored = fresh_affinity(call=call, app_docs=app_docs, reviewer_docs=reviewer_docs)
    reviewer_facts = _reviewer_facts(call, reviewers)
    app_facts = _application_facts(applications)
    scores = (
        _stored_scores(stored, [a.pk for a in applications], [r.pk for r in reviewers])
        if stored
        else _overlap_scores(app_facts, reviewer_facts)
    )
    conflicts, suggested = {}, set()
    for a in app_facts:
        for r in reviewer_facts:
            reason = assignment_rules.conflict_reason(r, a) or (ALREADY if r.id in a.excluded_reviewer_ids else None)
            if reason:
                conflicts[(a.id, r.id)] = reason
            elif assignment_rules.is_suggested_by_applicant(r, a):
                suggested.add((a.id, r.id))
    pool = matching.Pool(
        application_ids=[a.id for a in app_facts],
        reviewer_ids=[r.id for r in reviewer_facts],
        needed=[a.needed for a in app_facts],
        capacity=[max(r.max_load - r.load, 0) if r.available else 0 for r in reviewer_facts],
        affinity=scores,
        conflicts=conflicts,
        suggested=frozenset(suggested),
    )
    result = matching.match(pool, objective=objective, top_k=settings.REVIEW_MATCHING_TOP_K)
    return _report(result, stored, applications, reviewers, app_facts, reviewer_facts, conflicts, suggested)


def _report(result, stored, applications, reviewers, app_facts, reviewer_facts, conflicts, suggested):
    by_reviewer = {r.pk: r for r in reviewers}
    facts_r = {f.id: f for f in reviewer_facts}
    facts_a = {f.id: f for f in app_facts}
    terms = stored.terms if stored else {}
    pairs: dict[int, list[Suggestion]] = {}
    for p in result.pairs:
        app = next(a for a in applications if a.pk == p.application_id)
        pairs.setdefault(app.pk, []).append(
            Suggestion(
                application=app,
                reviewer=by_reviewer[p.reviewer_id],
                overlap=sorted(facts_r[p.reviewer_id].expertise & facts_a[app.pk].topics),
                affinity=p.affinity,
                terms=list(terms.get(f"{app.pk}:{p.reviewer_id}", [])),
                suggested_by_applicant=(app.pk, p.reviewer_id) in suggested,
            )
        )
    rows = []
    for app in applications:
        if facts_a[app.pk].needed == 0:
            continue
        missed = result.not_chosen.get(app.pk)
        rows.append(
            ApplicationMatch(
                application=app,
                suggestions=sorted(pairs.get(app.pk, []), key=lambda s: (-s.affinity, s.reviewer.pk)),
                shortfall=result.shortfall.get(app.pk, 0),
                not_chosen=NotChosen(by_reviewer[missed.reviewer_id], missed.affinity, missed.reason)
                if missed
                else None,
                conflicts=[(by_reviewer[r], code) for (a, r), code in sorted(conflicts.items()) if a == app.pk],
            )
        )
    return SuggestionReport(
        objective=result.objective,
        top_k=result.top_k,
        text_affinity=stored is not None,
        computed_at=stored.computed_at if stored else None,
        rows=rows,
        bottleneck=result.bottleneck,
        total=result.total,
    )


def assignment_suggestion(*, call: Call, application_ids: list[int] | None = None) -> list[Suggestion]:
    """The suggested pairs for the call's applications in review with open reviewer places. Deterministic."""
    return suggestion_report(call=call, application_ids=application_ids).suggestions
