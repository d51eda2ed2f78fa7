"""Terms of access in the browser: carol (allocation admin, with her authenticator) writes and publishes the
platform terms; alice opens her offer, is led to the terms and the site's policy, accepts them, comes back and
accepts the offer; carol then sees that nobody is missing. The privacy notice and the accessibility statement are
reached from the footer. axe-core checks every page."""

import re

import pytest

from allocations.capacity import services as capacity_services
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.terms import TermsAcceptance
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp
from tests.factories import (
    CallFactory,
    GigafactoryFactory,
    approved_application,
    ensure_platform_groups,
    open_pool,
    period_with_pools,
)
from tests.factories.terms import published_terms

pytestmark = [pytest.mark.browser]


def _offer(carol, alice, alice_org, gigafactory) -> Grant:
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[gigafactory])
    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    approved_application(call=call, requested=50_000, minimum=30_000, rank=1, organisation=alice_org, pi=alice)
    run = capacity_services.run_create(pool=open_pool(period), policy="rank_greedy", by=carol)
    capacity_services.run_execute(run_id=run.pk)
    capacity_services.run_commit(run_id=run.pk, by=carol)
    return Grant.objects.get(application__pi=alice)


def test_alice_accepts_the_terms_then_the_offer(page, carol, alice, alice_org):
    ensure_platform_groups()
    activate_totp(carol)
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    published_terms(by=carol, gigafactory=gigafactory, body="## Jupiter\n* No cryptocurrency mining.")
    grant = _offer(carol, alice, alice_org, gigafactory)

    login_with_totp(page, carol)
    page.goto("/staff/terms/")
    assert_accessible(page, "terms-staff-home")
    page.get_by_role("link", name="New draft").click()
    page.get_by_role("button", name="Save draft").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page, "terms-staff-form-errors")
    page.locator("#id_title").fill("Terms of access to the EU AI Gigafactories")
    page.get_by_label("Text (English)").fill("## Your commitments\n* Use the hours for the awarded project only.")
    page.get_by_label("Title in German").fill("Zugangsbedingungen")
    page.get_by_label("Text in German").fill("## Ihre Pflichten\n* Nur für das Projekt.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/staff/terms/\d+/$"))
    assert_accessible(page, "terms-staff-draft")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Version 1 is published").wait_for()
    assert page.locator("#missing-table").get_by_text("Alice Applicant").is_visible()  # her offer binds her
    assert_accessible(page, "terms-staff-published")

    page.context.clear_cookies()  # sign carol out
    login(page, alice.email)
    page.goto(f"/grants/{grant.pk}/")
    assert page.get_by_role("button", name="Accept the offer").count() == 0
    assert_accessible(page, "terms-offer-needs-terms")
    page.get_by_role("link", name="Read and accept the terms").click()
    page.wait_for_url(re.compile(r"/terms/\?gigafactory=jupiter&next="))
    assert page.get_by_role("heading", name="Terms of access to the EU AI Gigafactories").is_visible()
    assert page.get_by_text("No cryptocurrency mining.").is_visible()
    page.get_by_role("button", name="Accept").click()
    page.locator("#error-summary").wait_for()
    assert_accessible(page, "terms-accept-errors")
    page.get_by_label("I have read the documents above and accept them.").check()
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(rf"/grants/{grant.pk}/$"))
    assert page.get_by_text("your acceptance of the terms of access is recorded").is_visible()
    page.get_by_role("button", name="Accept the offer").click()
    page.get_by_text("Offer accepted.").wait_for()
    assert page.locator("#grant-status").inner_text() == "Accepted"
    assert TermsAcceptance.objects.filter(user=alice).count() == 2
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.ACCEPTED

    page.goto("/terms/")
    assert page.locator("#terms-up-to-date").is_visible()
    assert_accessible(page, "terms-accepted")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    page.wait_for_url(re.compile(r"/privacy/$"))
    assert_accessible(page, "privacy-notice")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility").click()
    page.wait_for_url(re.compile(r"/accessibility/$"))
    assert page.locator("#conformance-status").get_by_text("partially compliant").is_visible()
    assert_accessible(page, "accessibility-statement")


def test_a_new_version_is_accepted_at_the_next_visit(page, carol, alice, alice_org):
    ensure_platform_groups()
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    published_terms(by=carol)
    grant = _offer(carol, alice, alice_org, gigafactory)
    from tests.factories.terms import accept_current_terms

    accept_current_terms(alice, [gigafactory])
    capacity_services.offer_respond(grant_id=grant.pk, accept=True, by=alice)
    published_terms(by=carol, title="Terms of access, 2027 edition", changes="A new clause on export control.")

    login(page, alice.email)
    page.goto("/grants/")
    page.wait_for_url(re.compile(r"/terms/\?next=%2Fgrants%2F$"))
    assert page.get_by_text("A new clause on export control.").is_visible()
    assert_accessible(page, "terms-reaccept")
    page.get_by_label("I have read the documents above and accept them.").check()
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r"/grants/$"))
