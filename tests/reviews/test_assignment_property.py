"""The suggestion, as a property over random reviewer pools and memberships: never a conflicted reviewer, never
above a reviewer's maximum load, never twice on one application, deterministic, and it fills what it can."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.assignment import ApplicationFacts, ReviewerFacts, suggest, topics

DOMAINS = ["language", "vision", "science", "health", "robotics", "climate"]
ORGS = list(range(1, 7))


@st.composite
def pools(draw):
    n_reviewers = draw(st.integers(min_value=0, max_value=12))
    reviewers = [
        ReviewerFacts(
            id=100 + i,
            expertise=frozenset(draw(st.lists(st.sampled_from(DOMAINS), max_size=3))),
            organisation_ids=frozenset(draw(st.lists(st.sampled_from(ORGS), max_size=2))),
            load=draw(st.integers(min_value=0, max_value=3)),
            max_load=draw(st.integers(min_value=0, max_value=4)),
            available=draw(st.booleans()),
        )
        for i in range(n_reviewers)
    ]
    reviewer_ids = [r.id for r in reviewers]
    n_applications = draw(st.integers(min_value=0, max_value=10))
    applications = [
        ApplicationFacts(
            id=1 + j,
            organisation_id=draw(st.sampled_from(ORGS)),
            topics=topics(draw(st.lists(st.sampled_from(DOMAINS), max_size=2))),
            needed=draw(st.integers(min_value=0, max_value=3)),
            pi_id=draw(st.sampled_from([None, *reviewer_ids])),
            team_user_ids=frozenset(draw(st.lists(st.sampled_from(reviewer_ids), max_size=3)) if reviewer_ids else []),
            excluded_reviewer_ids=frozenset(
                draw(st.lists(st.sampled_from(reviewer_ids), max_size=2)) if reviewer_ids else []
            ),
        )
        for j in range(n_applications)
    ]
    return applications, reviewers


def _conflicted(reviewer: ReviewerFacts, application: ApplicationFacts) -> bool:
    # Written out again here, independently of reviews.assignment.conflict_reason.
    return (
        application.organisation_id in reviewer.organisation_ids
        or reviewer.id == application.pi_id
        or reviewer.id in application.team_user_ids
    )


@settings(max_examples=100, deadline=None)
@given(pools())
def test_suggestion_is_never_conflicted_and_respects_load(pool):
    applications, reviewers = pool
    pairs = suggest(applications, reviewers)
    by_app = {a.id: a for a in applications}
    by_reviewer = {r.id: r for r in reviewers}
    for app_id, reviewer_id in pairs:
        reviewer, application = by_reviewer[reviewer_id], by_app[app_id]
        assert not _conflicted(reviewer, application)
        assert reviewer.available
        assert reviewer_id not in application.excluded_reviewer_ids
    assert len(set(pairs)) == len(pairs)  # never twice on one application
    added = Counter(reviewer_id for _app, reviewer_id in pairs)
    for reviewer_id, n in added.items():
        assert by_reviewer[reviewer_id].load + n <= by_reviewer[reviewer_id].max_load
    per_app = Counter(app_id for app_id, _r in pairs)
    for application in applications:
        assert per_app[application.id] <= application.needed
    # Deterministic, whatever the input order.
    assert suggest(list(reversed(applications)), list(reversed(reviewers))) == pairs


@settings(max_examples=100, deadline=None)
@given(pools())
def test_an_open_place_stays_open_only_when_no_eligible_reviewer_is_left(pool):
    applications, reviewers = pool
    pairs = suggest(applications, reviewers)
    load = Counter({r.id: r.load for r in reviewers})
    load.update(reviewer_id for _app, reviewer_id in pairs)
    for application in applications:
        given_places = sum(1 for app_id, _r in pairs if app_id == application.id)
        if given_places < application.needed:
            taken = {r for app_id, r in pairs if app_id == application.id}
            eligible_left = [
                r
                for r in reviewers
                if r.available
                and r.id not in taken
                and r.id not in application.excluded_reviewer_ids
                and not _conflicted(r, application)
                and load[r.id] < r.max_load
            ]
            assert eligible_left == []


def test_best_overlap_then_lowest_load_then_id():
    application = ApplicationFacts(id=1, organisation_id=9, topics=frozenset({"language", "llm"}), needed=2)
    reviewers = [
        ReviewerFacts(id=3, expertise=frozenset({"language"}), organisation_ids=frozenset(), load=0, max_load=5),
        ReviewerFacts(id=2, expertise=frozenset({"language", "llm"}), organisation_ids=frozenset(), load=4, max_load=5),
        ReviewerFacts(id=4, expertise=frozenset({"language"}), organisation_ids=frozenset(), load=0, max_load=5),
        ReviewerFacts(id=1, expertise=frozenset({"language"}), organisation_ids=frozenset(), load=1, max_load=5),
    ]
    # Best overlap first (2), then among overlap 1 the lowest load (3 and 4 at 0), then the lower id (3).
    assert suggest([application], reviewers) == [(1, 2), (1, 3)]
