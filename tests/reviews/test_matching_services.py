"""Reviewer matching in the portal: affinities computed by the task and cached by content hash, the conflicts
beyond the organisation, at most one applicant-suggested reviewer, the call's objective, the accepted suggestion's
phrases and the audit of hand assignments that differ from the suggestion."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from allocations.models import Application
from reviews import selectors, services
from reviews.models import (
    Affiliation,
    CallAffinity,
    CallMatchingSetting,
    DeclaredRelationship,
    Publication,
    ReviewEvent,
    ReviewEventKind,
)
from reviews.tasks import compute_affinities
from tests.factories import OrganisationFactory, reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def frank(_platform_groups):
    """A reviewer who writes about Finno-Ugric language models: the best text match for alice's application."""
    frank = reviewer("frank@helsinki.fi", expertise=["language"], keywords=["tokenisers"])
    frank.reviewer_profile.research_interests = "Open language models for Estonian and Finnish; Finno-Ugric corpora."
    frank.reviewer_profile.save()
    return frank


def test_the_task_computes_affinities_once_per_content(in_review, bob, dave, erin, frank):
    digest = compute_affinities(in_review.call.pk)
    stored = CallAffinity.objects.get(call=in_review.call)
    assert stored.content_hash == digest
    assert stored.application_ids == [in_review.pk]
    computed_at = stored.computed_at
    assert compute_affinities(in_review.call.pk) == digest  # unchanged texts: nothing recomputed
    assert CallAffinity.objects.get(call=in_review.call).computed_at == computed_at
    report = selectors.suggestion_report(call=in_review.call)
    assert report.text_affinity
    chosen = {s.reviewer: s for s in report.rows[0].suggestions}
    assert set(chosen) == {bob, frank}  # the two who write about Estonian language models
    assert "finno-ugric" in chosen[frank].terms
    assert chosen[frank].affinity > report.rows[0].not_chosen.affinity
    # A changed profile makes the stored affinities stale: the overlap stands in until the task runs again.
    frank.reviewer_profile.research_interests = "Protein folding."
    frank.reviewer_profile.save()
    assert not selectors.suggestion_report(call=in_review.call).text_affinity
    assert compute_affinities(in_review.call.pk) != digest


def test_requesting_affinities_enqueues_the_task_after_commit(
    in_review, carol, bob, django_capture_on_commit_callbacks
):
    from portal.models import OutboxMessage

    ours = OutboxMessage.objects.filter(task="reviews.matching.compute_affinities")
    with django_capture_on_commit_callbacks() as callbacks:
        services.affinities_request(call=in_review.call, by=carol)
    assert len(callbacks) == 1
    assert ours.get().kwargs == {"call_id": in_review.call.pk}
    with pytest.raises(PermissionDenied), django_capture_on_commit_callbacks() as refused:
        services.affinities_request(call=in_review.call, by=bob)
    assert refused == [] and ours.count() == 1


def test_conflicts_beyond_the_organisation_are_never_suggested(in_review, alice, bob, dave, erin, carol):
    Publication.objects.create(user=alice, title="Aurora: scaling Finno-Ugric language models", doi="10.5555/aurora")
    Publication.objects.create(user=bob, title="Something else", doi="https://doi.org/10.5555/AURORA")
    Affiliation.objects.create(user=dave, organisation=in_review.organisation, ended_on=timezone.localdate())
    DeclaredRelationship.objects.create(reviewer=erin, person=alice, kind="student")
    report = selectors.suggestion_report(call=in_review.call)
    assert report.suggestions == []
    codes = dict(report.rows[0].conflicts)
    assert codes == {bob: "co_author", dave: "former_organisation", erin: "student"}
    assert report.rows[0].shortfall == 2
    with pytest.raises(ValidationError, match="co-author"):
        services.assignments_create(pairs=[(in_review.pk, bob.pk)], by=carol)
    # An affiliation that ended more than three years ago no longer conflicts.
    Affiliation.objects.filter(user=dave).update(ended_on=timezone.localdate() - dt.timedelta(days=3 * 366))
    assert [s.reviewer for s in selectors.assignment_suggestion(call=in_review.call)] == [dave]


def test_excluded_by_the_applicant_and_at_most_one_suggested(in_review, bob, dave, erin, carol):
    Application.objects.filter(pk=in_review.pk).update(
        excluded_reviewers=[bob.email.upper()], suggested_reviewers=[dave.email, erin.email]
    )
    report = selectors.suggestion_report(call=in_review.call)
    assert (bob, "excluded_by_applicant") in report.rows[0].conflicts
    chosen = report.rows[0].suggestions
    assert len(chosen) == 1 and chosen[0].suggested_by_applicant
    assert report.rows[0].shortfall == 1


def test_objective_is_a_call_setting_for_call_managers(in_review, carol, bob):
    assert selectors.matching_objective(call=in_review.call) == "bottleneck"
    services.matching_objective_set(call=in_review.call, objective="total", by=carol)
    assert CallMatchingSetting.objects.get(call=in_review.call).updated_by == carol
    assert selectors.suggestion_report(call=in_review.call).objective == "total"
    with pytest.raises(ValidationError):
        services.matching_objective_set(call=in_review.call, objective="greedy", by=carol)
    with pytest.raises(PermissionDenied):
        services.matching_objective_set(call=in_review.call, objective="bottleneck", by=bob)


def test_accepted_suggestion_keeps_affinity_and_phrases_and_hand_overrides_are_recorded(
    in_review, call, alice, alice_org, carol, bob, dave, erin, frank
):
    compute_affinities(call.pk)
    created = services.suggestion_accept(call=call, by=carol)
    mine = next(a for a in created if a.reviewer == frank)
    assert mine.affinity > 0 and mine.match_terms
    event = ReviewEvent.objects.get(kind=ReviewEventKind.SUGGESTION_ACCEPTED, application=in_review)
    assert event.detail["objective"] == "bottleneck" and len(event.detail["reviewers"]) == 2
    # By hand: a reviewer other than the suggested one is recorded as an override.
    from tests.factories.reviews import passed_check, submitted_application

    other = passed_check(submitted_application(call=call, organisation=OrganisationFactory(), pi=alice), by=carol)
    suggested = [s.reviewer for s in selectors.assignment_suggestion(call=call, application_ids=[other.pk])]
    outsider = next(r for r in (bob, dave, erin, frank) if r not in suggested)
    services.assignment_by_hand(application=other, reviewer_id=outsider.pk, by=carol)
    override = ReviewEvent.objects.get(kind=ReviewEventKind.OVERRIDE, application=other)
    assert override.detail["chosen"] == outsider.pk
    assert override.detail["suggested"] == [r.pk for r in suggested]
    services.assignment_by_hand(application=other, reviewer_id=suggested[0].pk, by=carol)
    assert ReviewEvent.objects.filter(kind=ReviewEventKind.OVERRIDE).count() == 1
