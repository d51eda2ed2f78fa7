"""The review stage's cast: bob (reviewer) and carol (call manager) with real TOTP authenticators, as the staff
pages require; a Large Scale call (2 reviewers, right to reply) and alice's application walked through it."""

import pytest
from rest_framework.test import APIClient

from accounts.roles import holds_staff_role
from allocations.models import AIDomain
from tests.conftest import activate_totp, login_staff
from tests.factories import CallFactory, ensure_platform_groups, reviewer
from tests.factories.reviews import ReviewerProfileFactory, passed_check, submitted_application


@pytest.fixture
def _platform_groups(db):
    """Role groups exist even after a transactional test flushed the data migration's rows."""
    ensure_platform_groups()


@pytest.fixture
def with_totp():
    """``with_totp(user)`` gives ``user`` a real allauth TOTP authenticator and returns the secret; the staff
    middleware then lets them open /staff/ pages."""
    return lambda user: activate_totp(user).totp_secret


@pytest.fixture
def bob(_platform_groups, bob, with_totp):
    """Reviewer (language models) with an authenticator and a reviewer profile."""
    ReviewerProfileFactory(user=bob, expertise=[AIDomain.LANGUAGE], keywords=["LLM", "Estonian"], max_load_per_call=5)
    with_totp(bob)
    return bob


@pytest.fixture
def carol(_platform_groups, carol, with_totp):
    """Call manager with an authenticator."""
    with_totp(carol)
    return carol


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads go to a temporary private directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }


@pytest.fixture
def call(db):
    """An open Large Scale call: 2 reviewers, right to reply; rubric Excellence x2, Technical readiness, Impact."""
    call = CallFactory(title="Large Scale: foundation models 2027", slug="large-scale-2027")
    call.criteria.filter(name="Excellence").update(weight=2)
    return call


@pytest.fixture
def dave(_platform_groups):
    """A second reviewer (language and health)."""
    return reviewer("dave@tu-delft.nl", expertise=[AIDomain.LANGUAGE, AIDomain.HEALTH], keywords=["LLM"])


@pytest.fixture
def erin(_platform_groups):
    """A third reviewer (vision): least overlap with alice's language model."""
    return reviewer("erin@inria.fr", expertise=[AIDomain.VISION], keywords=["segmentation"])


@pytest.fixture
def submitted(alice, alice_org, call):
    return submitted_application(call=call, organisation=alice_org, pi=alice)


@pytest.fixture
def in_review(submitted, carol):
    return passed_check(submitted, by=carol)


@pytest.fixture
def api():
    return APIClient()


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def client_for(client, user):
    """Staff in a session that passed TOTP (see tests.conftest.login_staff); applicants with a plain login."""
    if holds_staff_role(user):
        return login_staff(client, user)
    client.force_login(user)
    return client


def queued_emails(callbacks) -> list[dict]:
    """The emails whose outbox messages the on-commit callbacks captured by ``django_capture_on_commit_callbacks``
    would relay to the ``portal.send_email`` task: ``[{"to": [...], "subject": ..., "body": ...}]`` (other
    callbacks are skipped)."""
    from portal.models import OutboxMessage

    emails = []
    for callback in callbacks:
        names = callback.__code__.co_freevars
        cells = dict(zip(names, (c.cell_contents for c in callback.__closure__ or ()), strict=True))
        if "message_key" in cells:
            message = OutboxMessage.objects.get(key=cells["message_key"])
            if message.task == "portal.send_email":
                emails.append({key: message.kwargs[key] for key in ("to", "subject", "body")})
    return emails
