"""Conflicts of interest beyond the organisation, as pure rules: co-authorship by DOI or normalised title, an
affiliation that ended less than three years ago, declared relationships with the PI or the team, and people the
applicant excluded."""

import datetime as dt

from reviews.assignment import (
    ApplicationFacts,
    ReviewerFacts,
    conflict_reason,
    is_suggested_by_applicant,
    publication_keys,
    recent_organisations,
)

APP = ApplicationFacts(
    id=1,
    organisation_id=100,
    topics=frozenset(),
    needed=2,
    pi_id=7,
    team_user_ids=frozenset({8}),
    team_publication_keys=publication_keys([("Scaling Laws for Sparse Mixture-of-Experts", "10.1000/XYZ.1")]),
    excluded_emails=frozenset({"rival@example.org"}),
    suggested_emails=frozenset({"friend@example.org"}),
)


def reviewer(**kwargs) -> ReviewerFacts:
    return ReviewerFacts(id=50, expertise=frozenset(), organisation_ids=frozenset(), load=0, max_load=5, **kwargs)


def test_co_authorship_by_doi_or_normalised_title():
    assert conflict_reason(reviewer(), APP) is None
    by_doi = reviewer(publication_keys=publication_keys([("Another title entirely", "https://doi.org/10.1000/xyz.1")]))
    assert conflict_reason(by_doi, APP) == "co_author"
    by_title = reviewer(publication_keys=publication_keys([("Scaling laws for sparse mixture of experts!", "")]))
    assert conflict_reason(by_title, APP) == "co_author"
    short = publication_keys([("Intro", "")])
    assert short == frozenset()


def test_former_organisation_within_three_years():
    today = dt.date(2026, 12, 7)
    orgs = recent_organisations(
        [(100, dt.date(2024, 1, 1)), (200, dt.date(2023, 12, 6)), (300, None), (400, dt.date(2023, 12, 7))],
        today=today,
    )
    assert orgs == frozenset({100, 300, 400})
    assert recent_organisations([(1, dt.date(2021, 3, 1))], today=dt.date(2024, 2, 29)) == frozenset({1})
    assert conflict_reason(reviewer(former_organisation_ids=orgs), APP) == "former_organisation"


def test_declared_relationships_with_the_pi_or_team_and_applicant_exclusions():
    assert conflict_reason(reviewer(relationships={7: "student"}), APP) == "student"
    assert conflict_reason(reviewer(relationships={8: "family"}), APP) == "family"
    assert conflict_reason(reviewer(relationships={9: "supervisor"}), APP) is None
    assert conflict_reason(reviewer(email="Rival@Example.org"), APP) == "excluded_by_applicant"
    assert conflict_reason(reviewer(email="friend@example.org"), APP) is None
    assert is_suggested_by_applicant(reviewer(email="Friend@example.org"), APP)
