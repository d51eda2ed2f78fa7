"""Sign up -> verify the email from the outbox -> log in -> register an organisation -> see it."""

import re

import pytest
from django.core import mail

from tests.conftest import assert_accessible, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def test_signup_verify_login_create_organisation(page, celery_worker):
    page.goto("/")
    assert_accessible(page, "home")

    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("erin@nordlys.no")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-42")
    page.get_by_label("Password (again)").fill("a-long-passphrase-42")
    assert_accessible(page, "signup")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    assert_accessible(page, "verification-sent")

    message = wait_for(lambda: next((m for m in mail.outbox if "erin@nordlys.no" in m.to), None))
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    assert_accessible(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("erin@nordlys.no")
    page.get_by_label("Password").fill("a-long-passphrase-42")
    assert_accessible(page, "login")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/organisations/")
    assert_accessible(page, "organisations-empty")
    page.get_by_role("link", name="Register an organisation").click()
    page.get_by_label("Legal name").fill("Nordlys Compute AS")
    page.get_by_label("Country").select_option("NO")
    page.get_by_label("Type").select_option("startup")
    page.get_by_label("PIC").fill("12345ABC9")
    page.get_by_role("button", name="Register").click()
    assert page.get_by_text("A PIC is exactly 9 digits").is_visible()
    assert_accessible(page, "organisation-form-errors")

    page.get_by_label("PIC").fill("912345678")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/organisations/\d+/$"))
    assert page.get_by_role("heading", name="Nordlys Compute AS").is_visible()
    assert page.get_by_text("You are its owner").is_visible()
    assert_accessible(page, "organisation-detail")
