"""Staff power needs a session (or token) that passed TOTP, on every surface: pages, htmx fragments and the API.

A password-only session of a staff member acts as a plain user; TOTP set up in another session does not count.
"""

import uuid

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import get_resolver
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts import services
from accounts.middleware import StaffMfaRequiredMiddleware
from accounts.roles import PlatformRole, has_role, is_platform_staff, user_roles
from tests.accounts.helpers import current_totp_code
from tests.conftest import activate_totp, login_staff, staff_api_client
from tests.factories import CallFactory, UserFactory
from tests.factories.ledger import AccountFactory, LedgerFactory

STAFF_READS = {
    "bob": ["/api/v1/review-assignments/"],
    "carol": ["/api/v1/allocation-runs/", "/api/v1/usage/imports/", "/api/v1/stats/overview/", "PANEL"],
    "dora": ["/api/v1/ledger/transfers/", "/api/v1/ledger/accounts/"],
}


@pytest.fixture
def cast(bob, carol, dora):
    return {"bob": bob, "carol": carol, "dora": dora}


@pytest.fixture
def call(db):
    return CallFactory()


def _paths(name, call):
    return [f"/api/v1/calls/{call.slug}/panel/" if p == "PANEL" else p for p in STAFF_READS[name]]


def _assert_mfa_required(response, path):
    assert response.status_code == 403, (path, response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "mfa_required", path
    assert "MFA required" in body["detail"]
    assert body["setup_url"].startswith("/accounts/2fa/")


@pytest.mark.parametrize("name", list(STAFF_READS))
def test_staff_api_with_a_password_only_session_is_refused(client, cast, call, name):
    """Finding HIGH: the session cookie of a staff member without TOTP read staff endpoints with 200."""
    client.force_login(cast[name])
    for path in _paths(name, call):
        _assert_mfa_required(client.get(path), path)


@pytest.mark.parametrize("name", list(STAFF_READS))
def test_staff_api_with_a_personal_token_is_refused(client, cast, call, name):
    """Finding HIGH: a personal token of a staff member read staff endpoints with 200."""
    _token, raw = services.api_token_create(user=cast[name], name="script")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    for path in _paths(name, call):
        _assert_mfa_required(api.get(path), path)


@pytest.mark.parametrize("name", list(STAFF_READS))
def test_the_same_endpoints_answer_a_session_that_passed_totp(client, cast, call, name):
    login_staff(client, cast[name])
    for path in _paths(name, call):
        assert client.get(path).status_code == 200, path


def test_staff_writes_without_mfa_are_refused_and_change_nothing(client, dora):
    from ledger.models import Transfer

    ledger = LedgerFactory()
    pair = [AccountFactory(ledger=ledger), AccountFactory(ledger=ledger)]
    body = {
        "transfers": [
            {"id": str(uuid.uuid4()), "debit_account_id": pair[0].pk, "credit_account_id": pair[1].pk, "amount": 5}
            | {"code": "payment"}
        ]
    }
    client.force_login(dora)
    _assert_mfa_required(client.post("/api/v1/ledger/transfers/", body, content_type="application/json"), "post")
    assert not Transfer.objects.exists()
    login_staff(client, dora)
    response = client.post("/api/v1/ledger/transfers/", body, content_type="application/json")
    assert response.json().get("code") != "mfa_required"  # the ledger's own rules answer now


def test_a_session_without_mfa_is_not_upgraded_by_totp_set_up_in_another_session(client, carol):
    """Finding MEDIUM: session S1 (password only) opened staff pages once TOTP existed, set up in session S2."""
    client.force_login(carol)
    activate_totp(carol)  # S2 set up TOTP; S1 never typed a code
    response = client.get("/staff/allocation/")
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/reauthenticate/?next=%2Fstaff%2Fallocation%2F"
    _assert_mfa_required(client.get("/api/v1/allocation-runs/"), "api")
    # The step-up: S1 confirms a code and may then act as staff.
    response = client.post(response.url, {"code": current_totp_code(carol.totp_secret)})
    assert response.status_code == 302
    assert response.url == "/staff/allocation/"
    assert client.get("/staff/allocation/").status_code == 200
    assert client.get("/api/v1/allocation-runs/").status_code == 200


def test_a_refusal_for_lack_of_mfa_outside_the_staff_prefixes_becomes_the_way_to_mfa(client, carol):
    """Any page or htmx fragment that checks a staff role: its 403/404 for lack of MFA turns into the MFA redirect."""
    client.force_login(carol)
    request = RequestFactory().get("/calls/x/fragment/", headers={"HX-Request": "true"})
    request.user, request.htmx, request.session = carol, True, client.session
    request._messages = FallbackStorage(request)
    middleware = StaffMfaRequiredMiddleware(lambda request: HttpResponse())
    carol.mfa_passed = False
    assert not has_role(carol, PlatformRole.CALL_MANAGER)  # what a fragment view asks before raising Http404
    response = middleware.process_exception(request, Http404())
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/2fa/totp/activate/"
    carol.mfa_passed, carol.mfa_would_help = True, False
    assert middleware.process_exception(request, Http404()) is None  # a plain 404 stays a 404


def test_staff_without_mfa_still_use_the_applicant_side(client, carol, alice_org):
    client.force_login(carol)
    assert client.get("/organisations/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/applications/").status_code == 200
    assert client.get("/api/v1/organisations/").json()["results"] == []  # alice's organisation stays hidden


def test_role_checks_answer_from_the_mfa_state_of_the_request_user_only(carol, bob):
    assert has_role(carol, PlatformRole.CALL_MANAGER)  # no request: a task or a service
    carol.mfa_passed = False
    assert not has_role(carol, PlatformRole.CALL_MANAGER)
    assert user_roles(carol) == set()
    assert not is_platform_staff(carol)
    assert not carol.has_perm("accounts.view_organisation")
    assert carol.mfa_would_help
    assert has_role(bob, PlatformRole.REVIEWER)  # another user, e.g. a reviewer being assigned, keeps the role
    carol.mfa_passed = True
    assert has_role(carol, PlatformRole.CALL_MANAGER)


def test_superusers_need_mfa_too(client, db):
    root = UserFactory(email="root@eurohpc.eu", is_staff=True, is_superuser=True)
    client.force_login(root)
    _assert_mfa_required(client.get("/api/v1/allocation-runs/"), "api")
    assert client.get("/admin/").status_code == 302
    api = staff_api_client(root, mfa_passed=False)
    _assert_mfa_required(api.get("/api/v1/ledger/transfers/"), "api")


def _authentication_classes():
    seen = set(api_settings.DEFAULT_AUTHENTICATION_CLASSES)

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern)
                continue
            view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            seen.update(getattr(view, "authentication_classes", []) or [])

    walk(get_resolver())
    return {f"{cls.__module__}.{cls.__qualname__}" for cls in seen}


def test_every_api_authentication_marks_the_mfa_state():
    """A new way to authenticate must set ``user.mfa_passed`` (or carry no staff role); extend this list then."""
    assert _authentication_classes() <= {
        "accounts.authentication.PersonalTokenAuthentication",  # marks from the token's scopes
        "rest_framework.authentication.SessionAuthentication",  # the session's user, marked by the middleware
        "allocations.usage.auth.ClusterTokenAuthentication",  # a cluster: a user object without any role
    }
