"""The home page after login: what needs the person, per role, each item linking to the page where it is done."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from allocations.applications.workflow import Status
from allocations.capacity import services as capacity_services
from allocations.models import CallCutoff
from allocations.models.capacity import AllocationRun, RunStatus
from allocations.models.usage import ImportStatus, UsageImport
from reviews.models import AssignmentStatus, ReviewAssignment, RightToReply
from tests.conftest import login_staff
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    GigafactoryFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    approved_application,
    ensure_platform_groups,
    open_pool,
    period_with_pools,
)
from tests.factories.usage import ClusterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _groups(db):
    ensure_platform_groups()


@pytest.fixture
def gigafactory():
    return GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", accelerator_count=1000)


@pytest.fixture
def call(gigafactory):
    return CallFactory(
        title="Large Scale: foundation models 2027", slug="large-scale-2027", gigafactories=[gigafactory]
    )


def _queue(html: str, key: str) -> str:
    """The HTML of one queue's card ('' when the page has no such queue)."""
    match = re.search(rf'<section class="card h-100 needs-queue" id="needs-{key}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def _offer_for(alice, alice_org, call, gigafactory, carol):
    """Alice's approved application, allocated by a committed run: an offer she has to answer."""
    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    application = approved_application(
        call=call, requested=5_000, minimum=5_000, rank=1, organisation=alice_org, pi=alice
    )
    run = capacity_services.run_create(pool=open_pool(period), policy="rank_greedy", by=carol)
    capacity_services.run_execute(run_id=run.pk)
    capacity_services.run_commit(run_id=run.pk, by=carol)
    return application.grants.get()


def test_anonymous_visitors_keep_the_marketing_home(client):
    html = client.get("/").content.decode()
    assert "How access works" in html and "What needs you" not in html


def test_a_person_with_nothing_to_do_sees_the_empty_state(client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Nothing needs you right now" in html
    assert "How access works" not in html
    assert 'href="/calls/"' in html


def test_applicant_sees_offer_reply_draft_and_invitation_with_links_and_deadlines(
    client, alice, alice_org, call, gigafactory, carol
):
    grant = _offer_for(alice, alice_org, call, gigafactory, carol)
    replying = ApplicationFactory(
        call=call,
        organisation=alice_org,
        created_by=alice,
        title="Aurora speech",
        status=Status.RIGHT_TO_REPLY,
        reference="GAP-2027-000900",
        submitted_at=timezone.now() - dt.timedelta(days=20),
    )
    RightToReply.objects.create(
        application=replying, opened_at=timezone.now(), deadline=timezone.now() + dt.timedelta(days=5)
    )
    soon = CallFactory(title="Fast Lane December", cutoffs=[timezone.now() + dt.timedelta(days=3)])
    draft = ApplicationFactory(call=soon, organisation=alice_org, created_by=alice, title="Aurora vision")
    later = CallFactory(title="Far away call", cutoffs=[timezone.now() + dt.timedelta(days=60)])
    ApplicationFactory(call=later, organisation=alice_org, created_by=alice, title="Not urgent yet")
    Invitation.objects.create(
        organisation=OrganisationFactory(legal_name="Other Org Ltd"), email=alice.email, invited_by=carol
    )

    client.force_login(alice)
    html = client.get("/").content.decode()

    offers = _queue(html, "offers")
    assert f'href="{reverse("grant_detail", args=[grant.pk])}"' in offers
    assert "5,000 GPU-hours on Jupiter AI Gigafactory" in offers
    assert "Answer by" in offers and re.search(r"CES?T</time>", offers), offers  # the time zone is named
    replies = _queue(html, "replies")
    assert f'href="{reverse("application_reviews", args=[replying.pk])}"' in replies and "Reply by" in replies
    drafts = _queue(html, "drafts")
    assert f'href="{reverse("application_detail", args=[draft.pk])}"' in drafts and "Fast Lane December" in drafts
    assert "Not urgent yet" not in html
    invitations = _queue(html, "invitations")
    assert 'href="/profile/#invitations"' in invitations and "Other Org Ltd" in invitations
    assert "4 things need you." in html
    assert "Nothing needs you right now" not in html


def test_another_member_of_the_organisation_is_not_asked_to_answer_the_pis_offer(
    client, alice, alice_org, call, gigafactory, carol
):
    _offer_for(alice, alice_org, call, gigafactory, carol)
    colleague = UserFactory()
    MembershipFactory(organisation=alice_org, user=colleague, role="member")
    client.force_login(colleague)
    assert "Nothing needs you right now" in client.get("/").content.decode()


def test_reviewer_sees_assignments_to_accept_and_reviews_due(client, bob, alice, alice_org, call, carol):
    answer = ApplicationFactory(call=call, organisation=alice_org, created_by=alice, title="To answer")
    review = ApplicationFactory(call=call, organisation=alice_org, created_by=alice, title="To review")
    pending = ReviewAssignment.objects.create(
        application=answer, reviewer=bob, assigned_by=carol, due_on=dt.date(2027, 1, 15)
    )
    accepted = ReviewAssignment.objects.create(
        application=review,
        reviewer=bob,
        assigned_by=carol,
        due_on=dt.date(2027, 1, 20),
        status=AssignmentStatus.ACCEPTED,
    )
    ReviewAssignment.objects.create(
        application=ApplicationFactory(call=call, title="Done already"),
        reviewer=bob,
        assigned_by=carol,
        due_on=dt.date(2027, 1, 1),
        status=AssignmentStatus.COMPLETED,
    )
    login_staff(client, bob)
    html = client.get("/").content.decode()
    assignments = _queue(html, "assignments")
    assert f'href="{reverse("review_assignment", args=[pending.pk])}"' in assignments
    assert "15 Jan 2027" in assignments  # the one English date format
    reviews = _queue(html, "reviews")
    assert f'href="{reverse("review_form", args=[accepted.pk])}"' in reviews
    assert "Done already" not in html
    assert 'href="/staff/reviews/"' in assignments  # the whole inbox


def test_staff_see_the_queues_of_their_roles(client, carol, alice, alice_org, call, gigafactory):
    to_check = ApplicationFactory(
        call=call,
        organisation=alice_org,
        created_by=alice,
        status=Status.SUBMITTED,
        reference="GAP-2027-000901",
        submitted_at=timezone.now(),
    )
    ApplicationFactory(
        call=call,
        organisation=alice_org,
        created_by=alice,
        status=Status.PANEL,
        reference="GAP-2027-000902",
        submitted_at=timezone.now(),
    )
    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    run = AllocationRun.objects.create(
        pool=open_pool(period),
        policy="rank_greedy",
        status=RunStatus.SUCCEEDED,
        created_by=carol,
        finished_at=timezone.now(),
    )
    cluster = ClusterFactory(name="jupiter-booster", gigafactory=gigafactory)
    failed = UsageImport.objects.create(
        cluster=cluster, source="upload", format="text", status=ImportStatus.FAILED, error="Not a sacct file."
    )
    cluster.last_report_at = timezone.now() - dt.timedelta(hours=5)
    cluster.save()

    login_staff(client, carol)
    html = client.get("/").content.decode()
    assert f'href="{reverse("eligibility_check", args=[to_check.pk])}"' in _queue(html, "checks")
    panels = _queue(html, "panels")
    assert f'href="{reverse("panel", args=[call.slug])}"' in panels and "1 application waits" in panels
    assert f'href="{reverse("capacity_run_detail", args=[run.pk])}"' in _queue(html, "runs")
    imports = _queue(html, "imports")
    assert f'href="{reverse("usage_import_detail", args=[failed.pk])}"' in imports and "Not a sacct file." in imports
    assert f'href="{reverse("cluster_provisioning", args=[cluster.name])}"' in _queue(html, "agents")
    # carol is no reviewer: no reviewer queue even when assignments exist for others
    assert _queue(html, "assignments") == ""


def test_staff_queues_wait_for_two_factor_authentication(client, carol, alice, alice_org, call):
    ApplicationFactory(
        call=call,
        organisation=alice_org,
        created_by=alice,
        status=Status.SUBMITTED,
        reference="GAP-2027-000903",
        submitted_at=timezone.now(),
    )
    client.force_login(carol)  # password only
    html = client.get("/").content.decode()
    assert _queue(html, "checks") == ""
    assert "sign in with your authenticator app" in html


def test_a_queue_shows_five_items_and_the_count_with_a_link_to_all(client, bob, alice, alice_org, call, carol):
    for n in range(7):
        ReviewAssignment.objects.create(
            application=ApplicationFactory(call=call, organisation=alice_org, created_by=alice, title=f"App {n}"),
            reviewer=bob,
            assigned_by=carol,
            due_on=dt.date(2027, 1, 1) + dt.timedelta(days=n),
        )
    login_staff(client, bob)
    assignments = _queue(client.get("/").content.decode(), "assignments")
    assert assignments.count("<li") == 5
    assert ">7</span>" in assignments and "Review inbox (7)" in assignments
    assert "App 0" in assignments and "App 6" not in assignments  # soonest due first


def test_the_home_runs_a_bounded_number_of_queries(
    client, carol, alice, alice_org, call, gigafactory, django_assert_max_num_queries
):
    """The superuser sees every queue; many items per queue do not add queries."""
    carol.is_superuser = True
    carol.save()
    for n in range(8):
        ApplicationFactory(
            call=call,
            organisation=alice_org,
            created_by=carol,
            status=Status.SUBMITTED,
            reference=f"GAP-2027-{910 + n:06d}",
            submitted_at=timezone.now(),
        )
        ReviewAssignment.objects.create(
            application=ApplicationFactory(call=call), reviewer=carol, assigned_by=carol, due_on=dt.date(2027, 1, 1)
        )
        CallCutoff.objects.create(call=CallFactory(cutoffs=[]), at=timezone.now() + dt.timedelta(days=2))
    login_staff(client, carol)
    client.get("/")  # warm the session and the per-user caches
    with django_assert_max_num_queries(20):
        response = client.get("/")
    assert response.status_code == 200


def test_the_pi_sees_the_final_report_due(client, alice, alice_org, carol, gigafactory):
    from allocations.postaward.reports import services as report_services
    from tests.allocations.postaward.conftest import award_of, end_award

    award = award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org)
    end_award(award, ends_before=timezone.localdate() - dt.timedelta(days=10))
    assert report_services.final_reports_open() == 1
    report = award.final_report
    client.force_login(alice)
    reports = _queue(client.get("/").content.decode(), "reports")
    assert f'href="{reverse("final_report", args=[report.pk])}"' in reports and "Due on" in reports


def test_allocation_admins_see_change_requests_to_decide(client, alice, alice_org, carol, gigafactory):
    from allocations.models.changes import ChangeKind
    from allocations.postaward.changes import services as change_services
    from tests.factories import active_grant

    grant = active_grant(by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice)
    change = change_services.change_request_create(
        grant_id=grant.pk, kind=ChangeKind.SUPPLEMENT, justification="Needed.", by=alice, amount_seconds=36_000
    )
    login_staff(client, carol)
    changes = _queue(client.get("/").content.decode(), "changes")
    assert f'href="{reverse("staff_change_request_detail", args=[change.pk])}"' in changes
