"""alice asks for an extension of her active grant; carol (allocation admin, with her authenticator) approves it;
alice sees the new end date on her grant."""

import datetime as dt
import re

import pytest
from django.utils import formats

from allocations.models.changes import ChangeRequest, ChangeStatus
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp, open_menu
from tests.factories import GigafactoryFactory, active_grant, ensure_platform_groups

pytestmark = [pytest.mark.browser]


def test_alice_asks_for_an_extension_and_carol_grants_it(page, carol, alice, alice_org):
    ensure_platform_groups()
    activate_totp(carol)
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    grant = active_grant(by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice)
    new_end = grant.ends_on + dt.timedelta(days=45)
    shown = formats.date_format(new_end, "j M Y")

    login(page, alice.email)
    page.get_by_role("link", name="My grants").click()
    page.get_by_role("link", name=re.compile(r"GAP-2027-")).first.click()
    page.get_by_role("link", name="Ask for: Extension").click()
    page.wait_for_url(re.compile(r"/changes/new/extension/$"))
    page.get_by_role("button", name="Send the request").click()  # empty: the form re-renders with its errors
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page, "change-extension-errors")
    page.get_by_label("New end (first day without access)").fill(new_end.isoformat())
    page.get_by_label("Why is the change needed?").fill("The evaluation dataset arrives six weeks late.")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/changes/\d+/$"))
    assert page.locator("#change-status").inner_text() == "Submitted"
    assert_accessible(page, "change-request-submitted")

    page.context.clear_cookies()
    login_with_totp(page, carol)
    open_menu(page, "Staff")
    page.get_by_role("link", name="Change requests").click()
    page.wait_for_url(re.compile(r"/staff/changes/$"))
    assert_accessible(page, "change-requests-staff-list")
    page.locator("#change-request-list").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/staff/changes/\d+/$"))
    assert_accessible(page, "change-request-staff-decide")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("the request is now Approved").wait_for()
    assert page.locator("#change-status").inner_text() == "Approved"
    assert ChangeRequest.objects.get().status == ChangeStatus.APPROVED

    page.context.clear_cookies()
    login(page, alice.email)
    page.goto(f"/grants/{grant.pk}/")
    assert shown in page.locator("#award-slices").inner_text()
    assert "Approved" in page.locator("#change-requests").inner_text()
    assert_accessible(page, "grant-extended")
