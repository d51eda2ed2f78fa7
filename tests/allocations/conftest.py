import pytest
from rest_framework.test import APIClient

from tests.conftest import login_staff
from tests.factories import ApplicationFactory, CallFactory, fill_application


@pytest.fixture
def call(db):
    """An open Large Scale call (50,000 to 2,000,000 GPU-hours) with a cut-off in 30 days."""
    return CallFactory(title="Large Scale: foundation models 2027", slug="large-scale-2027")


@pytest.fixture
def draft(alice, alice_org, call):
    """alice's empty draft (she is its PI)."""
    return ApplicationFactory(call=call, organisation=alice_org, created_by=alice)


@pytest.fixture
def complete_draft(draft):
    return fill_application(draft)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def alice_api(api, alice):
    api.force_authenticate(alice)
    return api


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads go to a temporary private directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }


@pytest.fixture
def manager(client, carol):
    """carol (call manager) signed in with a session that passed TOTP, as the call designer's pages need."""
    return login_staff(client, carol)
