"""Emails leave through the Celery task after commit; every link in them is absolute."""

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts import services
from tests.conftest import wait_for
from tests.factories import UserFactory

pytestmark = pytest.mark.celery

LINK = re.compile(r"https?://\S+")


def _mail_to(address):
    return wait_for(lambda: next((m for m in mail.outbox if address in m.to), None))


@pytest.fixture
def _portal_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portal.example.eu"]


def test_signup_confirmation_link_is_absolute_on_the_requests_host(client, celery_worker, _portal_host):
    response = client.post(
        "/accounts/signup/",
        {"email": "fenna@tu-delft.nl", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
        SERVER_NAME="portal.example.eu",
    )
    assert response.status_code == 302
    message = _mail_to("fenna@tu-delft.nl")
    links = LINK.findall(message.body)
    assert links, message.body
    assert all(link.startswith("http://portal.example.eu/accounts/confirm-email/") for link in links), links
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_password_reset_link_is_absolute(client, alice, celery_worker, _portal_host):
    response = client.post("/accounts/password/reset/", {"email": alice.email}, SERVER_NAME="portal.example.eu")
    assert response.status_code == 302
    message = _mail_to(alice.email)
    links = [link for link in LINK.findall(message.body) if "/password/reset/key/" in link]
    assert links, message.body
    assert links[0].startswith("http://portal.example.eu/accounts/password/reset/key/")


def test_invitation_link_uses_site_url(alice, alice_org, celery_worker, settings):
    settings.SITE_URL = "https://access.gigafactories.example.eu/"
    UserFactory(email="erin@aurora-ai.eu")
    invitation = services.invitation_create(organisation=alice_org, email="erin@aurora-ai.eu", by=alice)
    message = _mail_to("erin@aurora-ai.eu")
    assert "Aurora AI OÜ" in message.subject
    # The token carries its signing time, so it is read from the email and resolved, not recomputed.
    link = re.search(r"https://access\.gigafactories\.example\.eu/invitations/([^/\s]+)/", message.body)
    assert link, message.body
    assert services.invitation_from_token(link.group(1)) == invitation
    assert "expires in 7 days" in message.body


def test_no_email_leaves_when_the_transaction_rolls_back(alice, alice_org, celery_worker):
    from django.db import transaction

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.invitation_create(organisation=alice_org, email="ghost@aurora-ai.eu", by=alice)
        raise Abort
    # A later email proves the worker is running; the rolled-back one never arrives.
    services.invitation_create(organisation=alice_org, email="real@aurora-ai.eu", by=alice)
    _mail_to("real@aurora-ai.eu")
    assert not [m for m in mail.outbox if "ghost@aurora-ai.eu" in m.to]


def test_signup_email_names_the_portal_from_settings(client, celery_worker, _portal_host, settings):
    settings.SITE_NAME = "EU AI Gigafactories Access Portal"
    settings.SITE_URL = "https://access.gigafactories.eu"
    response = client.post(
        "/accounts/signup/",
        {"email": "kadri@ut.ee", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
        SERVER_NAME="portal.example.eu",
    )
    assert response.status_code == 302
    message = _mail_to("kadri@ut.ee")
    assert "Hello from EU AI Gigafactories Access Portal!" in message.body
    assert "register an account on access.gigafactories.eu." in message.body
    assert "Hello from !" not in message.body and " on ." not in message.body
    assert message.subject.startswith("[EU AI Gigafactories Access Portal] ")
    assert "portal.example.eu" not in message.subject and "127.0.0.1" not in message.subject
