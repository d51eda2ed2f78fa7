"""Findings of the walk through the review stage: the conflict page names the team to check, the eligibility
checklist is prefilled where the portal knows the answer, modes without peer review show no rubric, "Panel" or
reviews, calls are linked, and an approved applicant reads what happens next."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from allocations.applications.workflow import Status
from allocations.models import ApplicationMember, TeamRole
from reviews.models import ReviewAssignment
from tests.factories import ApplicationFactory, CallFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.allocations import access_mode
from tests.reviews.conftest import client_for


def test_the_conflict_page_shows_the_team_names_and_organisations(client, bob, carol, submitted):
    colleague = UserFactory(full_name="Kadri Tamm")
    MembershipFactory(user=colleague, organisation=OrganisationFactory(legal_name="University of Tartu"))
    ApplicationMember.objects.create(application=submitted, email=colleague.email, user=colleague, position=1)
    ApplicationMember.objects.create(
        application=submitted, email="invited@example.org", role=TeamRole.ENGINEER, position=2
    )
    assignment = ReviewAssignment.objects.create(
        application=submitted, reviewer=bob, assigned_by=carol, due_on=dt.date(2027, 1, 15)
    )
    html = client_for(client, bob).get(reverse("review_assignment", args=[assignment.pk])).content.decode()
    team = html.split('id="conflict-team"', 1)[1].split("</section>", 1)[0]
    assert "Alice Applicant" in team and "Aurora AI OÜ" in team  # the PI and her organisation
    assert "Kadri Tamm" in team and "University of Tartu" in team
    assert "invited@example.org" in team and "Engineer" in team


def test_the_conflict_page_of_a_blind_call_hides_the_team(client, bob, carol, submitted):
    submitted.call.blind_review = True
    submitted.call.save(update_fields=["blind_review"])
    assignment = ReviewAssignment.objects.create(
        application=submitted, reviewer=bob, assigned_by=carol, due_on=dt.date(2027, 1, 15)
    )
    html = client_for(client, bob).get(reverse("review_assignment", args=[assignment.pk])).content.decode()
    assert 'id="conflict-team"' not in html


def test_the_eligibility_checklist_is_prefilled_with_what_the_portal_computed(client, carol, submitted):
    html = client_for(client, carol).get(reverse("eligibility_check", args=[submitted.pk])).content.decode()
    for name in ("country_eligible", "organisation_type_eligible", "request_within_bounds"):
        field = html.split(f'name="{name}"', 1)[1].split(">", 1)[0]
        assert "checked" in field, name
    for name in ("software_runs", "scaling_adequate"):  # judgement stays with the call manager
        assert "checked" not in html.split(f'name="{name}"', 1)[1].split(">", 1)[0]
    assert "Prefilled by the portal: Estonia is eligible for this call." in html
    assert "Prefilled by the portal: 100,000 GPU-hours requested; the call takes 50,000 to 2,000,000." in html


def test_an_ineligible_country_is_prefilled_unticked_and_says_why(client, carol, submitted):
    submitted.call.eligible_countries = ["DE", "FR"]
    submitted.call.save(update_fields=["eligible_countries"])
    html = client_for(client, carol).get(reverse("eligibility_check", args=[submitted.pk])).content.decode()
    assert "checked" not in html.split('name="country_eligible"', 1)[1].split(">", 1)[0]
    assert "Estonia is not among the call&#x27;s eligible countries." in html


@pytest.fixture
def playground_decided(alice, alice_org, carol):
    """A Playground application that passed the check straight to the decision stage."""
    call = CallFactory(title="Playground 2027", slug="playground-2027", access_mode=access_mode("playground"))
    return ApplicationFactory(
        call=call,
        organisation=alice_org,
        created_by=alice,
        title="Tiny fine-tune",
        status=Status.PANEL,
        reference="GAP-2027-000555",
        submitted_at=timezone.now(),
        cutoff=call.cutoffs.first(),  # a submitted application is batched with its cut-off
    )


def test_modes_without_peer_review_show_no_rubric_panel_or_reviews(client, alice, playground_decided):
    client.force_login(alice)
    call_page = client.get(reverse("call_detail", args=[playground_decided.call.slug])).content.decode()
    assert "How applications are scored" not in call_page and "there is no peer review" in call_page
    detail = client.get(reverse("application_detail", args=[playground_decided.pk])).content.decode()
    assert "Read the reviews" not in detail and "reviews submitted" not in detail
    assert ">Panel<" not in detail and "Awaiting decision" in detail
    dashboard = client.get(reverse("application_dashboard")).content.decode()
    assert ">Panel<" not in dashboard and "Awaiting decision" in dashboard


def test_large_scale_still_shows_its_rubric_and_panel(client, alice, in_review):
    client.force_login(alice)
    assert (
        "How applications are scored" in client.get(reverse("call_detail", args=[in_review.call.slug])).content.decode()
    )


def test_call_references_link_to_the_call(client, alice, bob, carol, submitted):
    client.force_login(alice)
    call_url = reverse("call_detail", args=[submitted.call.slug])
    assert f'href="{call_url}"' in client.get(reverse("application_dashboard")).content.decode()
    draft = ApplicationFactory(call=submitted.call, organisation=submitted.organisation, created_by=alice)
    section = client.get(reverse("application_section", args=[draft.pk, "project"])).content.decode()
    assert f'href="{call_url}"' in section
    ReviewAssignment.objects.create(application=submitted, reviewer=bob, assigned_by=carol, due_on=dt.date(2027, 1, 15))
    inbox = client_for(client, bob).get(reverse("review_inbox")).content.decode()
    assert f'href="{call_url}"' in inbox


def test_an_approved_applicant_reads_what_happens_next(client, alice, submitted):
    type(submitted).objects.filter(pk=submitted.pk).update(status=Status.APPROVED)
    client.force_login(alice)
    html = client.get(reverse("application_detail", args=[submitted.pk])).content.decode()
    assert "What happens next" in html and "You then get an offer by email" in html
