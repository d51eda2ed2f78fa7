"""Co-authorship conflicts also read the publications of final reports: those of the projects the PI or a team
member led or worked in, and those of the reviewer's own projects, matched by DOI or by normalised title. The
suggestion, the hand-assignment page and the assignment service all see the same conflict."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.models import ApplicationMember, Award, FinalReport, PoolKind
from allocations.models.reports import Publication as ReportPublication
from reviews import selectors, services
from reviews.models import Publication
from tests.factories import ApplicationFactory, CallFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def earlier_project(*, pi, organisation, team=(), publications) -> FinalReport:
    """A project ``pi`` led before (with ``team``), awarded and ended: its final report lists ``publications``,
    (title, DOI) pairs."""
    application = ApplicationFactory(call=CallFactory(), organisation=organisation, created_by=pi)
    for position, member in enumerate(team):
        ApplicationMember.objects.create(application=application, email=member.email, user=member, position=position)
    today = timezone.localdate()
    award = Award.objects.create(
        application=application,
        gigafactory=application.call.gigafactories.get(),
        kind=PoolKind.OPEN_ACCESS,
        access_mode=application.call.access_mode,
        total_seconds=1_000 * 3600,
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=100),
        created_by=pi,
        created_at=timezone.now() - dt.timedelta(days=410),
    )
    report = FinalReport.objects.create(award=award, due_on=today - dt.timedelta(days=40))
    for position, (title, doi) in enumerate(publications):
        ReportPublication.objects.create(report=report, position=position, title=title, doi=doi, year=2026)
    return report


def assert_co_author(application, reviewer, carol):
    report = selectors.suggestion_report(call=application.call)
    assert reviewer not in {s.reviewer for s in report.suggestions}
    assert (reviewer, "co_author") in report.rows[0].conflicts
    assert selectors.conflict_reason(reviewer=reviewer, application=application) == "co_author"
    page = {user: reason for user, reason, _load, _max in selectors.assignable_reviewers(application=application)}
    assert page[reviewer] == "co_author"
    with pytest.raises(ValidationError, match="co-author of the principal investigator"):
        services.assignment_by_hand(application=application, reviewer_id=reviewer.pk, by=carol)


def test_a_doi_of_the_pis_earlier_final_report_in_a_reviewers_profile(in_review, alice, alice_org, bob, dave, carol):
    assert selectors.conflict_reason(reviewer=bob, application=in_review) is None
    earlier_project(
        pi=alice, organisation=alice_org, publications=[("Aurora speech: Estonian ASR", "10.1234/aurora.2027.1")]
    )
    assert selectors.conflict_reason(reviewer=bob, application=in_review) is None  # nothing in common yet
    Publication.objects.create(user=bob, title="A different title", doi="https://doi.org/10.1234/AURORA.2027.1")
    assert_co_author(in_review, bob, carol)
    assert selectors.conflict_reason(reviewer=dave, application=in_review) is None


def test_a_normalised_title_of_a_team_members_earlier_project(in_review, alice_org, dave, carol):
    tom = UserFactory(email="tom@aurora-ai.eu")
    ApplicationMember.objects.create(application=in_review, email=tom.email, user=tom, position=1)
    earlier_project(
        pi=UserFactory(),  # tom was in the team, not its PI
        organisation=alice_org,
        team=[tom],
        publications=[("Scaling Baltic ASR — Speech Models for Estonian", "10.1234/baltic.2026.7")],
    )
    Publication.objects.create(user=dave, title="Scaling baltic ASR: speech models for Estonian!", doi="")
    assert_co_author(in_review, dave, carol)


def test_a_reviewers_own_final_report_shared_with_the_pis_profile(in_review, alice, erin):
    Publication.objects.create(user=alice, title="Open weights for small languages", doi="10.5555/open.1")
    earlier_project(
        pi=UserFactory(),
        organisation=OrganisationFactory(),
        team=[erin],
        publications=[("Open weights for small languages", "10.5555/open.1")],
    )
    assert selectors.conflict_reason(reviewer=erin, application=in_review) == "co_author"
    assert (erin, "co_author") in selectors.suggestion_report(call=in_review.call).rows[0].conflicts
