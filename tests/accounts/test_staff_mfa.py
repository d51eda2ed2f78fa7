"""Staff must use two-factor authentication: without TOTP every staff page sends them to allauth's set-up."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages

from accounts.roles import PlatformRole
from tests.accounts.helpers import activate_totp_with_client, current_totp_code
from tests.factories import PASSWORD, UserFactory

SETUP_URL = "/accounts/2fa/totp/activate/"


@pytest.fixture(params=list(PlatformRole), ids=lambda role: role.value.replace(" ", "-"))
def staff_user(request, db):
    """One user per platform role, with access to the admin site like the demo's admins."""
    return UserFactory(
        email=f"{request.param.value.replace(' ', '.')}@eurohpc.eu", roles=[request.param], is_staff=True
    )


def test_staff_without_mfa_is_sent_to_totp_setup_from_every_staff_page(client, staff_user):
    client.force_login(staff_user)
    for path in ("/staff/", "/admin/", "/admin/accounts/organisation/", "/staff/anything/below/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == SETUP_URL, path
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Your role requires two-factor authentication" in m for m in messages)
    # Pages outside the staff area stay open, so the user can set up MFA.
    assert client.get("/organisations/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator after a real commit
def test_staff_with_totp_set_up_through_allauth_can_open_staff_pages(client, staff_user):
    client.force_login(staff_user)
    activate_totp_with_client(client)
    assert Authenticator.objects.filter(user=staff_user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=staff_user, type=Authenticator.Type.RECOVERY_CODES).exists()
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "Two-factor authentication on" in response.content.decode()
    assert client.get("/admin/").status_code == 200


def test_htmx_requests_are_redirected_by_header(client, bob):
    client.force_login(bob)
    response = client.get("/staff/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == SETUP_URL


def test_users_without_a_staff_role_are_not_asked_for_mfa_and_get_403_on_staff_home(client, alice):
    client.force_login(alice)
    assert client.get("/staff/").status_code == 403
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    assert "Staff" not in client.get("/").content.decode().split("</nav>")[0]


def test_anonymous_visitors_meet_the_login_page(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_staff_home_lists_the_tools_of_the_users_roles(client, carol, bob):
    carol.is_staff = True
    carol.save(update_fields=["is_staff"])
    client.force_login(carol)
    activate_totp_with_client(client)
    page = client.get("/staff/").content.decode()
    assert "Your roles: Allocation admin, Call manager." in page
    assert "Organisations and members" in page  # call managers and allocation admins look up organisations
    assert 'href="/admin/"' in page
    assert "Users and platform roles" not in page  # needs accounts.change_user

    client.force_login(bob)
    activate_totp_with_client(client)
    page = client.get("/staff/").content.decode()
    assert "Your roles: Reviewer." in page
    assert "Organisations and members" not in page
    assert 'href="/admin/"' not in page  # bob has no admin-site access


def test_staff_menu_link_only_for_staff(client, bob, alice):
    client.force_login(bob)
    assert 'href="/staff/"' in client.get("/").content.decode()
    client.force_login(alice)
    assert 'href="/staff/"' not in client.get("/").content.decode()


def test_staff_cannot_turn_off_their_authenticator(client, bob):
    client.force_login(bob)
    activate_totp_with_client(client)
    response = client.get("/accounts/2fa/totp/deactivate/")
    assert "Your role requires two-factor authentication" in response.content.decode()
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()


def test_applicants_may_turn_theirs_off(client, alice):
    client.force_login(alice)
    activate_totp_with_client(client)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()


def test_login_of_a_staff_user_with_totp_asks_for_the_code(client, bob):
    client.force_login(bob)
    secret = activate_totp_with_client(client)
    client.logout()
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/staff/").status_code == 302  # not logged in until the code is given
    response = client.post("/accounts/2fa/authenticate/", {"code": current_totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
