"""Personal tokens carry scopes (read, write, staff) and an expiry; a change of credentials revokes them all and
ends the user's other sessions."""

import datetime as dt

import pytest
from allauth.account.signals import password_reset
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.admin import UserAdmin
from accounts.models import ApiToken, RevocationReason, User
from accounts.tokens import api_token_create
from audit.models import AuditEvent
from tests.accounts.helpers import activate_totp_with_client
from tests.accounts.test_api_tokens import _create_on_profile
from tests.conftest import login_staff
from tests.factories import PASSWORD

NEW_PASSWORD = "An0ther-long-passphrase!"


def _api(key) -> Client:
    return Client(headers={"Authorization": f"Token {key}"})


def _other_session(user) -> Client:
    user.refresh_from_db()  # the session is signed with the current credentials version
    other = Client()
    other.force_login(user)
    assert other.get("/profile/").status_code == 200
    return other


def _assert_ended(other: Client, key: str, reason: str, user) -> None:
    assert _api(key).get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get(user=user).revoked_reason == reason
    response = other.get("/profile/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_password_change_revokes_tokens_and_ends_other_sessions(client, alice):
    """Finding LOW: tokens (and other sessions) survived a password change."""
    client.force_login(alice)
    key, _html = _create_on_profile(client)
    other = _other_session(alice)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    _assert_ended(other, key, RevocationReason.PASSWORD, alice)
    assert client.get("/profile/").status_code == 200  # the session that changed it stays signed in


def test_a_password_reset_revokes_tokens_and_ends_sessions(alice):
    _token, key = api_token_create(user=alice, name="script")
    other = _other_session(alice)
    request = RequestFactory().post("/accounts/password/reset/key/done/")
    password_reset.send(sender=User, request=request, user=alice)
    _assert_ended(other, key, RevocationReason.PASSWORD, alice)


def test_a_password_set_by_an_admin_revokes_tokens_and_ends_sessions(client, alice, db):
    root = User.objects.create_superuser(email="root@eurohpc.eu", password=PASSWORD)
    _token, key = api_token_create(user=alice, name="script")
    other = _other_session(alice)
    login_staff(client, root)
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    _assert_ended(other, key, RevocationReason.PASSWORD, alice)
    assert client.get("/admin/").status_code == 200  # the admin's own session is untouched


@pytest.mark.django_db(transaction=True)  # allauth announces authenticator changes after a real commit
def test_adding_and_removing_an_authenticator_revoke_tokens_and_end_other_sessions(client, alice):
    client.force_login(alice)
    key, _html = _create_on_profile(client)
    other = _other_session(alice)
    activate_totp_with_client(client)
    _assert_ended(other, key, RevocationReason.AUTHENTICATOR, alice)
    assert client.get("/profile/").status_code == 200

    ApiToken.objects.all().delete()
    key, _html = _create_on_profile(client)
    other = _other_session(alice)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    _assert_ended(other, key, RevocationReason.AUTHENTICATOR, alice)


def test_deactivating_a_user_revokes_tokens_and_ends_sessions(alice, db):
    root = User.objects.create_superuser(email="root@eurohpc.eu", password=PASSWORD)
    _token, key = api_token_create(user=alice, name="script")
    other = _other_session(alice)
    request = RequestFactory().post("/admin/accounts/user/")
    request.user, request.session = root, {}
    alice.is_active = False
    form = type("Form", (), {"changed_data": ["is_active"], "initial": {"is_active": True}})()
    form.cleaned_data = {"is_active": False}
    UserAdmin(User, site).save_model(request, alice, form, change=True)
    _assert_ended(other, key, RevocationReason.DEACTIVATED, alice)
    event = AuditEvent.objects.get(action="user.changed")
    assert (event.actor, event.changes) == (root, {"is_active": [True, False]})


def test_a_read_token_cannot_write(client, alice):
    client.force_login(alice)
    key, _html = _create_on_profile(client, scopes=["read"])
    api = _api(key)
    assert api.get("/api/v1/organisations/").status_code == 200
    response = api.post("/api/v1/organisations/", {"legal_name": "X", "country": "DE", "type": "sme"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("This token has the read scope only")


def test_expired_tokens_are_refused(alice):
    _token, key = api_token_create(user=alice, name="old", days=7, now=timezone.now() - dt.timedelta(days=8))
    response = _api(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    _token, key = api_token_create(user=alice, name="new", days=7, now=timezone.now() - dt.timedelta(days=6))
    assert _api(key).get("/api/v1/me/").status_code == 200


def test_expiry_is_at_most_a_year_and_defaults_to_90_days(client, alice):
    client.force_login(alice)
    response = client.post("/profile/tokens/", {"name": "x", "scopes": ["read"], "expires_in_days": 400})
    assert response.status_code == 400
    token, _key = api_token_create(user=alice, name="default", now=timezone.now())
    assert (token.expires_at - token.created_at).days in (89, 90)


def test_the_staff_scope_needs_an_mfa_session_and_at_most_30_days(client, carol):
    client.force_login(carol)  # password only
    response = client.post("/profile/tokens/", {"name": "x", "scopes": ["read", "staff"], "expires_in_days": 30})
    assert response.status_code == 400
    assert "passed two-factor authentication" in response.content.decode()
    login_staff(client, carol)
    response = client.post("/profile/tokens/", {"name": "x", "scopes": ["read", "staff"], "expires_in_days": 90})
    assert response.status_code == 400
    assert "at most 30 days" in response.content.decode()
    assert not ApiToken.objects.exists()
    staff_key, _html = _create_on_profile(client, scopes=["read", "staff"], days=30)
    plain_key, _html = _create_on_profile(client, scopes=["read", "write"], days=30)
    assert _api(staff_key).get("/api/v1/allocation-runs/").status_code == 200
    assert _api(plain_key).get("/api/v1/allocation-runs/").json()["code"] == "mfa_required"


def test_applicants_have_no_staff_scope(alice):
    with pytest.raises(Exception, match="staff scope"):
        api_token_create(user=alice, name="x", scopes=["read", "staff"], days=7, mfa_passed=True)


def test_the_profile_lists_scopes_expiry_and_last_use(client, alice):
    client.force_login(alice)
    key, _html = _create_on_profile(client, scopes=["read"], days=30)
    _api(key).get("/api/v1/me/")
    token = ApiToken.objects.get()
    page = client.get("/profile/").content.decode()
    assert "<td>Read</td>" in page
    assert timezone.localtime(token.expires_at).strftime("%m/%d/%Y") in page or str(token.expires_at.year) in page
    assert "never" not in page.split("Your API tokens")[1]
