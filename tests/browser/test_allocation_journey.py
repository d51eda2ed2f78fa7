"""carol (allocation admin, signs in with her authenticator) creates a capacity period, splits it into pools,
runs the Large Scale pool, watches the run finish and commits it; alice accepts her offer and sees her grant."""

import re

import pytest

from allocations.models.capacity import Grant, GrantStatus
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp, open_menu
from tests.factories import (
    CallFactory,
    GigafactoryFactory,
    approved_application,
    contributions_paid,
    ensure_platform_groups,
)

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def test_carol_allocates_and_alice_accepts(page, celery_worker, carol, alice, alice_org, dora):
    ensure_platform_groups()
    contributions_paid(by=dora)  # the EU paid 75 % of the contributions: the open calls get the 50 % cap
    activate_totp(carol)
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[gigafactory])
    approved_application(call=call, requested=50_000, minimum=30_000, rank=1, organisation=alice_org, pi=alice)
    approved_application(call=call, requested=30_000, minimum=25_000, rank=2)
    approved_application(call=call, requested=20_000, minimum=15_000, rank=3)

    login_with_totp(page, carol, screenshot="allocation-mfa")
    open_menu(page, "Staff")
    page.get_by_role("link", name="Allocation").click()
    page.wait_for_url(re.compile(r"/staff/allocation/$"))
    assert_accessible(page, "allocation-home-empty")

    page.get_by_role("link", name="New capacity period").click()
    page.get_by_label("Gigafactory").select_option(label="Jupiter AI Gigafactory")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Quarter").select_option("1")
    page.get_by_label("Accelerators").fill("80")
    page.get_by_label("Reserve (%)").fill("101")
    page.get_by_role("button", name="Create period").click()
    assert page.locator(".invalid-feedback").first.is_visible()
    assert_accessible(page, "allocation-period-form-errors")
    page.get_by_label("Reserve (%)").fill("10")
    page.get_by_role("button", name="Create period").click()
    page.wait_for_url(re.compile(r"/staff/allocation/periods/\d+/$"))
    assert "139,968 GPU-h" in page.locator("#period-capacity").inner_text()
    assert "= 69,984 GPU-h" in page.locator("#open-access-arithmetic").inner_text()

    page.get_by_label("Share of the open-access hours for Large Scale (%)").fill("100")
    assert_accessible(page, "allocation-period-split")
    page.get_by_role("button", name="Split into pools").click()
    page.get_by_role("button", name="Run Large Scale").click()
    page.wait_for_url(re.compile(r"/staff/allocation/runs/\d+/$"))
    # htmx polls the status until the worker has computed the run, then the page reloads with the result.
    page.get_by_role("button", name="Commit and send offers").wait_for(timeout=30_000)
    assert page.get_by_text("granted 19,984 because the pool was exhausted").is_visible()
    assert_accessible(page, "allocation-run-result")
    page.get_by_label(re.compile("I have checked the result")).check()
    page.get_by_role("button", name="Commit and send offers").click()
    assert page.get_by_text("Run committed").is_visible()
    assert_accessible(page, "allocation-run-committed")

    page.context.clear_cookies()  # sign carol out
    login(page, alice.email)
    page.get_by_role("link", name="My grants").click()
    assert_accessible(page, "grants-list")
    page.get_by_role("link", name=re.compile(r"GAP-2027-")).first.click()
    assert "50,000 GPU-h" in page.locator("#grant-hours").inner_text()
    assert page.get_by_text("ranked 1 of 3; asked 50,000 GPU-h; granted in full").is_visible()
    assert_accessible(page, "grant-offer")
    page.get_by_role("button", name="Accept the offer").click()
    assert page.locator("#grant-status").inner_text() == "Accepted"
    assert_accessible(page, "grant-accepted")
    assert Grant.objects.get(application__pi=alice).status == GrantStatus.ACCEPTED
