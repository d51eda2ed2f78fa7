"""Every allauth page we style renders with Bootstrap, passes axe-core and leaves a screenshot to look at."""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.accounts.helpers import activate_totp_in_browser, current_totp_code
from tests.conftest import assert_accessible, login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_entrance_pages_for_visitors(page):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.eu")
    page.get_by_label("Password").fill("wrong-password-1")
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_text("The email address and/or password you specified are not correct.").is_visible()
    assert_accessible(page, "accounts-login-error")

    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("other")
    page.get_by_role("button", name="Sign Up").click()
    assert page.locator(".invalid-feedback").first.is_visible()
    assert_accessible(page, "accounts-signup-errors")

    page.goto("/accounts/password/reset/")
    assert_accessible(page, "accounts-password-reset")
    page.get_by_label("Email").fill("nobody@example.eu")
    page.get_by_role("button", name="Reset My Password").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))
    assert_accessible(page, "accounts-password-reset-done")


def test_password_reset_from_key_and_email_confirmation(page, db):
    user = UserFactory(email="fenna@tu-delft.nl", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    key = default_token_generator.make_token(user)
    page.goto(reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}))
    page.wait_for_url(re.compile(r"set-password/$"))
    assert_accessible(page, "accounts-password-reset-from-key")
    page.get_by_label("New Password", exact=True).fill("a-fresh-passphrase-77")
    page.get_by_label("New Password (again)").fill("a-fresh-passphrase-77")
    page.get_by_role("button", name="Change Password").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/key/done/$"))
    assert_accessible(page, "accounts-password-reset-from-key-done")

    page.goto(reverse("account_confirm_email", kwargs={"key": EmailConfirmationHMAC(address).key}))
    assert_accessible(page, "accounts-confirm-email")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    address.refresh_from_db()
    assert address.verified


def test_manage_pages_for_a_logged_in_user(page, alice):
    login(page, alice.email)

    page.goto("/accounts/email/")
    assert page.get_by_label("Current email").input_value() == alice.email
    assert_accessible(page, "accounts-email")

    page.goto("/accounts/password/change/")
    page.get_by_label("Current Password").fill("not-my-password")
    page.get_by_label("New Password", exact=True).fill("another-passphrase-55")
    page.get_by_label("New Password (again)").fill("another-passphrase-55")
    page.get_by_role("button", name="Change Password").click()
    assert page.get_by_text("Please type your current password.").is_visible()
    assert_accessible(page, "accounts-password-change-error")

    page.goto("/accounts/2fa/")
    assert_accessible(page, "mfa-index")

    activate_totp_in_browser(page, screenshot="mfa-activate")
    assert page.get_by_label("Unused codes").is_visible()
    assert_accessible(page, "mfa-recovery-codes")

    page.goto("/accounts/2fa/")
    assert page.get_by_text("Authentication using an authenticator app is active.").is_visible()
    assert_accessible(page, "mfa-index-active")


def test_login_with_totp_asks_for_a_code(page, db):
    user = UserFactory(email="gus@example.eu")
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    login(page, user.email, PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    assert_accessible(page, "mfa-authenticate")
    page.get_by_label("Code").fill("000000" if current_totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_text("Incorrect code.").is_visible()
    page.get_by_label("Code").fill(current_totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("button", name=user.display_name).is_visible()


def test_api_docs_render_from_local_static_under_the_csp(page):
    """Swagger UI loads its bundle from our static files and runs without CSP errors (the page fixture fails on
    any console error or failed sub-resource)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.get_by_text("/api/v1/organisations/", exact=True).first.is_visible()
    origin = page.url.split("/api/")[0]
    assert all(url.startswith(origin) or url.startswith("data:") for url in requested), requested
