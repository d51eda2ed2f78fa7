"""Your personal data in the browser: alice downloads her data from her profile, then erases her account (no
grants), and can no longer sign in; carol, who holds staff roles, is told why her account cannot be erased here."""

import io
import json
import re
import zipfile

import pytest

from accounts.models import User
from tests.conftest import PASSWORD, assert_accessible, login
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.browser


def test_alice_downloads_her_data_then_erases_her_account(page, alice, alice_org):
    ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice, title="Estonian speech model")
    login(page, alice.email)
    page.goto("/profile/")
    page.get_by_role("link", name="Your personal data: download or erase").click()
    page.wait_for_url(re.compile(r"/profile/data/$"))
    page.get_by_text("What the file contains").click()
    assert_accessible(page, "privacy-data-rights")

    with page.expect_download() as info:
        page.get_by_role("button", name="Download my data").click()
    download = info.value
    assert re.fullmatch(r"gigafactory-portal-my-data-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        applications = json.loads(archive.read("applications.json"))
    assert applications[0]["title"] == "Estonian speech model"

    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_label("Type your email address to confirm").fill("alice@elsewhere.eu")
    page.get_by_role("button", name="Erase my account").click()
    page.get_by_text("There is a problem").wait_for()
    assert page.get_by_text("The password is not correct.").first.is_visible()
    assert_accessible(page, "privacy-erase-errors")

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Type your email address to confirm").fill(alice.email)
    page.get_by_role("button", name="Erase my account").click()
    page.get_by_role("heading", name="Your account was erased").wait_for()
    assert_accessible(page, "privacy-erased")
    alice.refresh_from_db()
    assert page.get_by_text(f"“{alice.full_name}”").is_visible()
    assert not User.objects.filter(email="alice@aurora-ai.eu").exists()

    login(page, "alice@aurora-ai.eu")
    assert page.get_by_text("The email address and/or password you specified are not correct.").is_visible()


def test_staff_see_why_they_cannot_erase_their_account_here(page, carol):
    login(page, carol.email)
    page.goto("/profile/data/")
    refused = page.locator("#erase-refused")
    assert "staff role" in refused.inner_text()
    assert page.get_by_label("Your password").count() == 0
    assert_accessible(page, "privacy-erase-refused-staff")
