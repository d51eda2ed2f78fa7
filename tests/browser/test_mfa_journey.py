"""A reviewer without two-factor authentication is sent to set it up before any staff page, then gets in."""

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.accounts.helpers import current_totp_code
from tests.conftest import assert_accessible, login, open_menu

pytestmark = pytest.mark.browser


def test_reviewer_sets_up_totp_then_opens_the_staff_pages(page, bob):
    login(page, bob.email)
    assert_accessible(page, "mfa-journey-home")

    # The menu offers the staff pages; opening them leads to MFA set-up, after confirming the password.
    open_menu(page, "Staff")
    page.get_by_role("link", name="Staff home").click()
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert page.get_by_text("Your role requires two-factor authentication.").is_visible()
    assert_accessible(page, "mfa-journey-reauthenticate")
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    assert page.get_by_role("heading", name="Activate Authenticator App").is_visible()
    assert page.get_by_role("img").first.is_visible()  # the QR code
    assert_accessible(page, "mfa-journey-activate")

    # Read the secret as a person would copy it into an app, and type the app's current code.
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Authenticator code").fill("123456" if current_totp_code(secret) != "123456" else "654321")
    page.get_by_role("button", name="Activate").click()
    assert page.get_by_text("Incorrect code.").is_visible()
    assert_accessible(page, "mfa-journey-activate-wrong-code")
    page.get_by_label("Authenticator code").fill(current_totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    assert page.get_by_text("Authenticator app activated.").is_visible()
    assert_accessible(page, "mfa-journey-recovery-codes")
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()

    open_menu(page, "Staff")
    page.get_by_role("link", name="Staff home").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    assert page.get_by_role("heading", name="Staff tools").is_visible()
    assert page.get_by_text("Your roles: Reviewer.").is_visible()
    assert page.get_by_text("Two-factor authentication on").is_visible()
    assert_accessible(page, "mfa-journey-staff-home")
