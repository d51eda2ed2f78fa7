"""Reads for reviewer matching: the affinity documents of a call and the suggestion.

For call managers only (the views check the role): conflict types and affinities are never shown to applicants.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from accounts.models import User
from allocations.applications.answers import scientific_answers
from allocations.applications.workflow import Status
from allocations.models import AIDomain, Application, Call
from reviews import affinity as affinity_rules
from reviews import assignment as assignment_rules
from reviews import matching
from reviews.models import CallAffinity, CallMatchingSetting, MatchingObjective, Publication
from reviews.selectors.conflicts import ALREADY, facts_of_applications, facts_of_reviewers, reviewer_pool

# --- Affinity documents ------------------------------------------------------------------------------------------


def _applications_in_review(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, status=Status.IN_REVIEW)
        .select_related("call__access_mode", "organisation", "form_version")
        .order_by("pk")
    )


def _scientific_answers(application: Application) -> list[str]:
    """Answers to the questions that the application's form version marks as scientific."""
    questions = application.form_version.questions if application.form_version_id else []
    return scientific_answers(questions, application.answers or {})


def affinity_documents(*, call: Call, applications=None, reviewers=None):
    """The texts the affinities are computed from: the call's applications in review (with the answers to the
    call's scientific questions) and the reviewer pool."""
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
                title=a.title,
                abstract=a.abstract,
                keywords=a.keywords,
                domain_label=str(labels.get(a.ai_domain, "")),
                answers=_scientific_answers(a),
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
    reviewer_facts = facts_of_reviewers(call, reviewers)
    app_facts = facts_of_applications(applications)
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
