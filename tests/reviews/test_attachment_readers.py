"""Reviewers read what they review: the applicant's team, an assigned reviewer who accepted (no conflict) and call
managers download an application's attachments; unassigned or conflicted reviewers and other applicants get 404.
Each download is logged, and the applicant's organisation sees the counts per role, never who."""

import pytest

from allocations.models import AttachmentDownload, ReaderRole
from reviews import services
from reviews.models import DeclaredConflict, ReviewAssignment
from tests.reviews.conftest import client_for


def _url(application, attachment) -> str:
    return f"/applications/{application.pk}/attachments/{attachment.pk}/"


def _status(client, user, url) -> int:
    client_for(client, user)  # staff in a session that passed TOTP
    response = client.get(url)
    if response.status_code == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    return response.status_code


@pytest.fixture
def readers(in_review, bob, dave, erin, carol, mallory):
    """bob accepted; dave was asked but has not answered; erin returned the assignment for a conflict."""
    (conflicted,) = services.assignments_create(pairs=[(in_review.pk, erin.pk)], by=carol)
    services.assignment_declare_conflict(assignment_id=conflicted.pk, by=erin, reason="former colleague")
    # The conflict hands the application to another reviewer: bob or dave may already hold a pending assignment.
    for reviewer in (bob, dave):
        if not ReviewAssignment.objects.filter(application=in_review, reviewer=reviewer).exists():
            services.assignments_create(pairs=[(in_review.pk, reviewer.pk)], by=carol)
    mine = ReviewAssignment.objects.get(application=in_review, reviewer=bob)
    services.assignment_accept(assignment_id=mine.pk, by=bob, no_conflict=True)
    return in_review


def test_who_may_download_an_attachment(client, readers, alice, bob, dave, erin, carol, mallory):
    from tests.factories import UserFactory

    unassigned = UserFactory(email="frank@uni.example", roles=["reviewer"])
    attachment = readers.attachments.first()
    url = _url(readers, attachment)
    expected = {alice: 200, bob: 200, carol: 200, dave: 404, erin: 404, unassigned: 404, mallory: 404}
    assert {user: _status(client, user, url) for user in expected} == expected
    logged = sorted(AttachmentDownload.objects.values_list("user__email", "role"))
    assert logged == sorted(
        [(alice.email, ReaderRole.APPLICANT), (bob.email, ReaderRole.REVIEWER), (carol.email, ReaderRole.CALL_MANAGER)]
    )


def test_a_reviewer_who_declares_a_standing_conflict_loses_access(client, readers, alice_org, bob):
    url = _url(readers, readers.attachments.first())
    assert _status(client, bob, url) == 200
    DeclaredConflict.objects.create(reviewer=bob, organisation=alice_org, reason="joined their board")
    assert _status(client, bob, url) == 404


def test_an_attachment_of_another_application_is_404_for_the_reviewer(client, readers, bob, alice, alice_org, call):
    from tests.factories.reviews import submitted_application

    other = submitted_application(call=call, organisation=alice_org, pi=alice)
    assert _status(client, bob, _url(other, other.attachments.first())) == 404
    assert _status(client, bob, _url(readers, other.attachments.first())) == 404  # mixed ids


def test_the_organisation_sees_download_counts_per_role(client, readers, alice, bob, carol):
    url = _url(readers, readers.attachments.first())
    for user in (bob, bob, carol):
        assert _status(client, user, url) == 200
    client.force_login(alice)
    page = client.get(f"/applications/{readers.pk}/")
    assert page.context["download_counts"] == [("Applicant team", 0), ("Reviewer", 2), ("Call manager", 1)]
    body = page.content.decode()
    assert "Who downloaded them" in body
    assert bob.email not in body and carol.email not in body


def test_the_reviewer_sees_the_attachments_on_the_review_page(client, readers, bob):
    assignment = bob.review_assignments.get()
    client_for(client, bob)
    body = client.get(f"/staff/reviews/assignments/{assignment.pk}/review/").content.decode()
    for attachment in readers.attachments.all():
        assert _url(readers, attachment) in body
