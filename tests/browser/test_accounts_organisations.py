"""Owners manage members in the browser: invite, answer, change a role, leave; and the profile's API tokens."""

import re

import pytest

from accounts import services
from accounts.models import ApiToken, Invitation
from tests.conftest import assert_accessible, login
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def _log_out(page):
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "button", name=re.compile(r"Applicant|Engineer")
    ).click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_invite_accept_promote_and_leave(page, alice, alice_org):
    erin = UserFactory(email="erin@aurora-ai.eu", full_name="Erin Engineer")
    login(page, alice.email)
    page.goto("/organisations/")
    assert_accessible(page, "organisations-list")
    page.get_by_role("link", name="Aurora AI OÜ").click()
    assert page.get_by_text("You are an owner of this organisation.").is_visible()
    assert_accessible(page, "organisation-detail-owner")

    page.get_by_role("link", name="Manage members").click()
    page.wait_for_url(re.compile(r"/members/$"))
    page.get_by_label("Email address").fill("alice@aurora-ai.eu")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("alice@aurora-ai.eu is already a member.").is_visible()
    assert_accessible(page, "organisation-members-invite-error")
    page.get_by_label("Email address").fill("erin@aurora-ai.eu")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("An invitation was sent to erin@aurora-ai.eu.").is_visible()
    assert page.get_by_text("Pending invitations").is_visible()
    assert_accessible(page, "organisation-members-owner")

    # Erin opens the link from the email.
    token = services.invitation_token(Invitation.objects.get(email="erin@aurora-ai.eu"))
    _log_out(page)
    login(page, erin.email)
    page.goto(f"/invitations/{token}/")
    assert page.get_by_text("Alice Applicant invited you to join Aurora AI OÜ as Member.").is_visible()
    assert_accessible(page, "invitation-respond")
    page.get_by_role("button", name="Accept").click()
    assert page.get_by_text("Welcome to Aurora.").is_visible()
    page.goto(f"/invitations/{token}/")
    assert page.get_by_text("This invitation has already been used or withdrawn.").is_visible()
    assert_accessible(page, "invitation-used")

    # Alice makes Erin an owner, then leaves.
    _log_out(page)
    login(page, alice.email)
    page.goto(f"/organisations/{alice_org.pk}/members/")
    page.get_by_label("Role of erin@aurora-ai.eu").select_option("owner")
    page.get_by_role("button", name="Change role erin@aurora-ai.eu").click()
    assert page.get_by_text("Erin Engineer is now owner.").is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Leave").click()
    page.wait_for_url(re.compile(r"/organisations/$"))
    assert page.get_by_text("You left Aurora.").is_visible()
    assert page.get_by_text("You do not belong to an organisation yet.").is_visible()


def test_last_owner_is_told_why_they_cannot_leave(page, alice, alice_org):
    login(page, alice.email)
    page.goto(f"/organisations/{alice_org.pk}/members/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Leave").click()
    assert page.get_by_text("You are the last owner of Aurora. Make another member owner before leaving.").is_visible()
    assert_accessible(page, "organisation-members-last-owner")


def test_api_token_is_shown_once_and_can_be_revoked(page, alice):
    login(page, alice.email)
    page.goto("/profile/")
    assert_accessible(page, "profile")
    page.get_by_label("Token name").fill("usage sync")
    page.get_by_role("button", name="Create token").click()
    key = page.locator("#new-token").inner_text()
    assert key.startswith("gap_")
    assert_accessible(page, "profile-token-created")
    assert ApiToken.objects.get(user=alice).key_hash == ApiToken.hash(key)

    page.goto("/profile/")
    assert page.locator("#new-token").count() == 0
    assert key not in page.content()
    page.get_by_role("button", name="Revoke usage sync").click()
    assert page.get_by_text("The token “usage sync” was revoked").is_visible()
    assert page.get_by_text("revoked", exact=True).is_visible()


def test_language_switcher_turns_the_interface_german(page, alice):
    login(page, alice.email)
    page.goto("/organisations/")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    assert navigation.get_by_role("link", name="Meine Anträge").is_visible()
    navigation.get_by_role("button", name="Alice Applicant").click()
    assert navigation.get_by_role("link", name="Organisationen").is_visible()
    assert navigation.get_by_role("button", name="Abmelden").is_visible()
    assert page.get_by_role("heading", name="Meine Organisationen").is_visible()
    assert page.locator("html").get_attribute("lang") == "de"
    assert_accessible(page, "organisations-list-de")
