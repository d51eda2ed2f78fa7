"""Pages of the review stage: who may open what (403/404), privacy of reviewers, bad input, query budgets."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import MembershipRole
from allocations.models import Application, Status
from reviews import selectors
from reviews.models import AssignmentStatus, Review, ReviewAssignment, ReviewStatus
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.reviews import accepted_assignment, submitted_review
from tests.reviews.conftest import api_for, client_for


def _login(client, user):
    return client_for(client, user)


@pytest.fixture
def replied(in_review, bob, dave, carol, alice):
    """alice's application with both reviews in and her reply sent: in the panel."""
    submitted_review(
        accepted_assignment(in_review, bob, by=carol), [4, 4, 4], comment="Clear plan.", panel="Bob says fund."
    )
    submitted_review(
        accepted_assignment(in_review, dave, by=carol), [3, 4, 5], comment="Thin scaling.", panel="Dave: risky."
    )
    return in_review


def test_role_checks_on_staff_pages(client, alice, bob, carol, in_review):
    _login(client, alice)
    assert client.get("/staff/reviews/").status_code == 403
    assert client.get("/staff/reviews/manage/").status_code == 403
    _login(client, bob)
    assert client.get("/staff/reviews/").status_code == 200
    for url in (
        "/staff/reviews/manage/",
        f"/staff/reviews/manage/calls/{in_review.call.slug}/panel/",
        f"/staff/reviews/manage/applications/{in_review.pk}/check/",
    ):
        assert client.get(url).status_code == 403, url
    _login(client, carol)
    assert client.get("/staff/reviews/manage/calls/no-such-call/").status_code == 404
    assert client.get("/staff/reviews/manage/applications/999999/assign/").status_code == 404


def test_staff_without_mfa_are_sent_to_totp_setup(client, db, _platform_groups):
    from tests.factories.reviews import reviewer

    fresh = reviewer("new-reviewer@example.eu")
    client.force_login(fresh)  # a password-only session
    response = client.get("/staff/reviews/")
    assert response.status_code == 302 and "/2fa/totp/activate" in response.url


def test_reviewer_gets_404_for_applications_not_assigned_to_them(client, bob, dave, carol, in_review):
    (mine,) = ReviewAssignment.objects.none() or [accepted_assignment(in_review, dave, by=carol)]
    _login(client, bob)
    assert client.get(f"/staff/reviews/assignments/{mine.pk}/").status_code == 404
    assert client.get(f"/staff/reviews/assignments/{mine.pk}/review/").status_code == 404
    assert client.post(f"/staff/reviews/assignments/{mine.pk}/amend/", {"reason": "x"}).status_code == 404
    assert client.get(f"/applications/{in_review.pk}/").status_code == 404
    assert client.get(f"/applications/{in_review.pk}/reviews/").status_code == 404
    bob_api = api_for(bob)
    assert bob_api.get(f"/api/v1/review-assignments/{mine.pk}/").status_code == 404
    assert bob_api.post(f"/api/v1/review-assignments/{mine.pk}/accept/", {"no_conflict": True}).status_code == 404
    review = Review.objects.get(assignment=mine)
    assert bob_api.get(f"/api/v1/reviews/{review.pk}/").status_code == 404
    assert (
        bob_api.put(f"/api/v1/reviews/{review.pk}/", {"comment_for_applicant": "x"}, format="json").status_code == 404
    )
    assert bob_api.post(f"/api/v1/reviews/{review.pk}/submit/").status_code == 404
    assert bob_api.get(f"/api/v1/applications/{in_review.pk}/").status_code == 404
    assert bob_api.get("/api/v1/review-assignments/").json()["results"] == []


def test_full_application_only_after_declaring_no_conflict(client, bob, carol, in_review):
    from reviews import services

    (assignment,) = services.assignments_create(pairs=[(in_review.pk, bob.pk)], by=carol)
    _login(client, bob)
    response = client.get(f"/staff/reviews/assignments/{assignment.pk}/review/")
    assert response.status_code == 302 and response.url == f"/staff/reviews/assignments/{assignment.pk}/"
    page = client.get(response.url).content.decode()
    assert in_review.abstract not in page and "Aurora AI" in page  # enough to judge a conflict, not more
    response = client.post(f"/staff/reviews/assignments/{assignment.pk}/", {"answer": "accept"})
    assert response.status_code == 400 and "Declare that you have no conflict" in response.content.decode()
    response = client.post(f"/staff/reviews/assignments/{assignment.pk}/", {"answer": "accept", "no_conflict": "on"})
    assert response.status_code == 302
    assert in_review.abstract in client.get(response.url).content.decode()


def test_review_form_rejects_bad_input_without_500(client, bob, carol, in_review):
    assignment = accepted_assignment(in_review, bob, by=carol)
    _login(client, bob)
    url = f"/staff/reviews/assignments/{assignment.pk}/review/"
    criteria = list(in_review.call.criteria.order_by("position"))
    response = client.post(url, {f"score_{criteria[0].pk}": "9", "submit": "1"})
    assert response.status_code == 400
    response = client.post(
        url, {f"score_{criteria[0].pk}": "4", "comment_for_applicant": "Good", "submit": "1", "confirm_submit": "on"}
    )
    assert response.status_code == 400 and "Missing: Technical readiness, Impact" in response.content.decode()
    assert Review.objects.get(assignment=assignment).status == ReviewStatus.DRAFT
    data = {f"score_{c.pk}": "4" for c in criteria} | {"comment_for_applicant": "Good", "comment_for_panel": "Fund"}
    unconfirmed = client.post(url, data | {"submit": "1"})
    assert unconfirmed.status_code == 400 and "Tick this box to submit your review" in unconfirmed.content.decode()
    assert Review.objects.get(assignment=assignment).status == ReviewStatus.DRAFT
    response = client.post(url, data | {"submit": "1", "confirm_submit": "on"})
    assert response.status_code == 302
    assert "This review was submitted and is locked" in client.get(url).content.decode()
    assert client.post(url, data | {"submit": "1"}).status_code == 400  # locked


def test_check_page_needs_a_reason_for_ineligible(client, carol, submitted):
    _login(client, carol)
    url = f"/staff/reviews/manage/applications/{submitted.pk}/check/"
    response = client.post(url, {"country_eligible": "on"})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    response = client.post(
        url,
        dict.fromkeys(
            [
                "country_eligible",
                "organisation_type_eligible",
                "request_within_bounds",
                "software_runs",
                "scaling_adequate",
            ],
            "on",
        ),
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.IN_REVIEW


def test_board_suggestion_and_panel_pages(client, carol, bob, dave, in_review):
    _login(client, carol)
    slug = in_review.call.slug
    board = client.get(f"/staff/reviews/manage/calls/{slug}/").content.decode()
    assert in_review.reference in board and "Missing reviews" in board
    page = client.get(f"/staff/reviews/manage/calls/{slug}/suggestion/").content.decode()
    assert "Bob Reviewer" in page
    assert client.post(f"/staff/reviews/manage/calls/{slug}/suggestion/", {"due_on": "2000-01-01"}).status_code == 400
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    assert client.post(f"/staff/reviews/manage/calls/{slug}/suggestion/", {"due_on": due}).status_code == 302
    assert ReviewAssignment.objects.filter(application=in_review, status=AssignmentStatus.PENDING).count() == 2
    assert client.get(f"/staff/reviews/manage/calls/{slug}/panel/").status_code == 200


def test_alice_reads_anonymised_reviews_and_never_a_reviewer_name(client, alice, replied, bob, dave):
    _login(client, alice)
    detail = client.get(f"/applications/{replied.pk}/").content.decode()
    assert "Read the reviews and reply" in detail
    page = client.get(f"/applications/{replied.pk}/reviews/").content.decode()
    assert "Reviewer 1" in page and "Reviewer 2" in page and "Thin scaling." in page
    response = client.post(f"/applications/{replied.pk}/reviews/", {"text": "x" * 5001})
    assert response.status_code == 400
    response = client.post(f"/applications/{replied.pk}/reviews/", {"text": "We add a 1,024-GPU scaling run."})
    assert response.status_code == 400 and "Tick this box to send your reply." in response.content.decode()
    response = client.post(
        f"/applications/{replied.pk}/reviews/", {"text": "We add a 1,024-GPU scaling run.", "confirm": "on"}
    )
    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.status == Status.PANEL
    alice_api = api_for(alice)
    responses = [
        detail,
        client.get(f"/applications/{replied.pk}/reviews/").content.decode(),
        client.get(f"/applications/{replied.pk}/").content.decode(),
        client.get("/applications/").content.decode(),
        alice_api.get(f"/api/v1/applications/{replied.pk}/").content.decode(),
        alice_api.get("/api/v1/applications/").content.decode(),
    ]
    for text in responses:
        for secret in ("Bob Reviewer", bob.email, dave.full_name, dave.email, "Bob says fund.", "Dave: risky."):
            assert secret not in text


def test_member_who_is_not_the_pi_cannot_reply(client, alice_org, replied):
    member = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member, role=MembershipRole.MEMBER)
    _login(client, member)
    page = client.get(f"/applications/{replied.pk}/reviews/").content.decode()
    assert "Reviewer 1" in page and "Send reply" not in page
    assert client.post(f"/applications/{replied.pk}/reviews/", {"text": "Hi", "confirm": "on"}).status_code == 403
    assert api_for(member).post(f"/api/v1/applications/{replied.pk}/reply/", {"text": "Hi"}).status_code == 403


# --- Query budgets -------------------------------------------------------------------------------------------------


def _bulk_panel(call, n: int, reviewers) -> None:
    """``n`` applications in the panel, each with two completed, submitted reviews (inserted in bulk)."""
    organisation = OrganisationFactory(country="DE")
    pi = UserFactory()
    MembershipFactory(organisation=organisation, user=pi, role=MembershipRole.OWNER)
    now = timezone.now()
    start = Application.objects.count()
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            organisation=organisation,
            created_by=pi,
            pi=pi,
            title=f"Project {i}",
            status=Status.PANEL,
            reference=f"GAP-2026-{start + i + 100:06d}",
            submitted_at=now - dt.timedelta(minutes=i),
        )
        for i in range(n)
    )
    assignments = ReviewAssignment.objects.bulk_create(
        ReviewAssignment(
            application=a,
            reviewer=r,
            status=AssignmentStatus.COMPLETED,
            due_on=timezone.localdate(),
            assigned_by=pi,
            completed_at=now,
        )
        for a in applications
        for r in reviewers
    )
    criteria = list(call.criteria.all())
    Review.objects.bulk_create(
        Review(
            assignment=x,
            status=ReviewStatus.SUBMITTED,
            submitted_at=now,
            scores={str(c.pk): (x.pk + c.pk) % 5 + 1 for c in criteria},
            comment_for_applicant="ok",
        )
        for x in assignments
    )


@pytest.mark.parametrize("n", [5, 500])
def test_panel_board_and_api_run_a_constant_number_of_queries(
    client, carol, bob, dave, call, n, django_assert_max_num_queries
):
    _bulk_panel(call, n, [bob, dave])
    _login(client, carol)
    client.get("/staff/reviews/")  # warm the session and role caches outside the budget
    with django_assert_max_num_queries(12):
        response = client.get(f"/staff/reviews/manage/calls/{call.slug}/panel/")
    assert response.status_code == 200
    assert response.content.decode().count('class="rank"') == n
    with django_assert_max_num_queries(10):
        response = client.get(f"/staff/reviews/manage/calls/{call.slug}/")
    assert response.content.decode().count('class="reference"') == n
    carol_api = api_for(carol)
    with django_assert_max_num_queries(8):
        response = carol_api.get(f"/api/v1/calls/{call.slug}/panel/")
    assert len(response.json()["rows"]) == n


@pytest.mark.parametrize("n", [5, 500])
def test_reviewer_inbox_and_api_list_run_a_constant_number_of_queries(
    client, bob, dave, call, n, django_assert_max_num_queries
):
    _bulk_panel(call, n, [bob])
    _login(client, bob)
    client.get("/staff/reviews/")  # warm the session and role caches outside the budget
    with django_assert_max_num_queries(8):
        response = client.get("/staff/reviews/")
    assert response.content.decode().count("Open review") == n
    with django_assert_max_num_queries(4):
        response = api_for(bob).get("/api/v1/review-assignments/?page_size=500")
    assert response.json()["count"] == n


def test_suggestion_page_shows_affinities_reasons_and_conflicts_to_carol_and_switches_the_objective(
    client, carol, bob, dave, alice, in_review, django_capture_on_commit_callbacks
):
    from reviews.models import CallMatchingSetting, Publication, ReviewEvent, ReviewEventKind
    from reviews.tasks import compute_affinities

    Publication.objects.create(user=alice, title="Aurora: an Estonian language model", doi="10.1/aurora")
    Publication.objects.create(user=dave, title="Aurora: an Estonian language model", doi="")
    _login(client, carol)
    url = f"/staff/reviews/manage/calls/{in_review.call.slug}/suggestion/"
    page = client.get(url).content.decode()
    assert "Text affinities are not computed" in page
    assert "co-author of the principal investigator" in page  # dave's conflict, for the call manager only
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(url, {"action": "affinities"}).status_code == 302
    assert len(callbacks) == 1
    compute_affinities(in_review.call.pk)
    page = client.get(url).content.decode()
    assert "Text affinities of the applications and reviewer profiles" in page
    assert "Bob Reviewer" in page and "estonian" in page.lower()
    assert client.post(url, {"action": "objective", "objective": "nonsense"}).status_code == 400
    assert client.post(url, {"action": "objective", "objective": "total"}).status_code == 302
    assert CallMatchingSetting.objects.get(call=in_review.call).objective == "total"
    assert "Objective: the highest total affinity" in client.get(url).content.decode()
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    assert client.post(url, {"action": "accept", "due_on": due}).status_code == 302
    assert ReviewEvent.objects.filter(kind=ReviewEventKind.SUGGESTION_ACCEPTED, application=in_review).exists()
    # bob reads why he was suggested; alice never sees conflicts or affinities.
    assignment = ReviewAssignment.objects.get(application=in_review, reviewer=bob)
    assert assignment.match_terms
    client.logout()
    _login(client, bob)
    mine = client.get(f"/staff/reviews/assignments/{assignment.pk}/").content.decode()
    assert "Why you were suggested" in mine and assignment.match_terms[0] in mine
    client.logout()
    _login(client, alice)
    assert client.get(url).status_code in (302, 403, 404)
    reviews_page = client.get(f"/applications/{in_review.pk}/reviews/").content.decode()
    assert "co-author" not in reviews_page and "Why you were suggested" not in reviews_page


def test_bob_declares_interests_publications_affiliations_and_relationships(client, bob, alice, alice_org, mallory):
    from reviews.models import Affiliation, DeclaredRelationship, Publication

    _login(client, bob)
    profile = {
        "expertise": ["language"],
        "keywords": "LLM",
        "max_load_per_call": "5",
        "is_available": "on",
        "research_interests": "Finno-Ugric language models.",
        "publications": "Aurora: an Estonian language model | 10.1/aurora\nTokenisers for Uralic languages",
    }
    assert client.post("/staff/reviews/profile/", profile).status_code == 302
    bob.reviewer_profile.refresh_from_db()
    assert bob.reviewer_profile.research_interests == "Finno-Ugric language models."
    assert sorted(Publication.objects.filter(user=bob).values_list("doi", flat=True)) == ["", "10.1/aurora"]
    assert "Tokenisers for Uralic languages" in client.get("/staff/reviews/profile/").content.decode()
    url = "/staff/reviews/profile/ties/"
    bad = client.post(
        url,
        {"action": "affiliation", "organisation": alice_org.pk, "started_on": "2024-01-01", "ended_on": "2023-01-01"},
    )
    assert bad.status_code == 400 and "The end comes after the start." in bad.content.decode()
    ok = {"action": "affiliation", "organisation": alice_org.pk, "started_on": "2020-01-01", "ended_on": "2024-06-30"}
    assert client.post(url, ok).status_code == 302
    assert Affiliation.objects.get(user=bob).organisation == alice_org
    unknown = client.post(url, {"action": "relationship", "email": "nobody@example.org", "kind": "family"})
    assert unknown.status_code == 400 and "Nobody with this e-mail address" in unknown.content.decode()
    assert client.post(url, {"action": "relationship", "email": alice.email, "kind": "student"}).status_code == 302
    assert DeclaredRelationship.objects.get(reviewer=bob).person == alice
    # Nobody else reads bob's declarations: mallory is no reviewer.
    client.logout()
    _login(client, mallory)
    assert client.get(url).status_code in (302, 403)


def test_hand_assignment_page_names_each_conflict_and_records_an_override(client, carol, bob, dave, alice, in_review):
    from reviews.models import Publication, ReviewEvent, ReviewEventKind

    Publication.objects.create(user=alice, title="Aurora: an Estonian language model", doi="10.1/aurora")
    Publication.objects.create(user=bob, title="Other", doi="10.1/AURORA")
    _login(client, carol)
    url = f"/staff/reviews/manage/applications/{in_review.pk}/assign/"
    page = client.get(url).content.decode()
    assert 'data-code="co_author"' in page and "co-author of the principal investigator" in page
    from tests.factories.reviews import reviewer

    erin = reviewer("erin2@inria.fr", expertise=["vision"], keywords=["segmentation"])
    finn = reviewer("finn@aalto.fi", expertise=["robotics"], keywords=["grasping"])
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    # The suggestion has dave (the language reviewer) and erin (the lower id of two without overlap).
    assert [s.reviewer for s in selectors.assignment_suggestion(call=in_review.call)] == [dave, erin]
    assert client.post(url, {"reviewer": dave.pk, "due_on": due}).status_code == 302
    assert not ReviewEvent.objects.filter(kind=ReviewEventKind.OVERRIDE).exists()
    # carol picks finn instead of the suggested erin: recorded as an override.
    assert client.post(url, {"reviewer": finn.pk, "due_on": due}).status_code == 302
    override = ReviewEvent.objects.get(kind=ReviewEventKind.OVERRIDE)
    assert (override.actor, override.detail["chosen"], override.detail["suggested"]) == (carol, finn.pk, [erin.pk])
