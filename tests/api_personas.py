"""Who calls the API in the contract and client tests: the demo's applicant with a personal token, and the demo's
reviewer and staff user in browser sessions that passed TOTP (with the CSRF cookie and header of a browser)."""

import enum

from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from accounts.models import User
from accounts.services import api_token_create


class Persona(enum.Enum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    STAFF = "staff"


EMAILS = {
    Persona.APPLICANT: "alice@demo.gigafactory.eu",
    Persona.REVIEWER: "bob@demo.gigafactory.eu",
    Persona.STAFF: "carol@demo.gigafactory.eu",  # call manager and allocation admin
}


def token_headers(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="API contract")
    return {"Authorization": f"Token {key}"}


def token_credentials(user) -> dict[str, dict[str, str]]:
    return {"headers": token_headers(user), "cookies": {}}


def mfa_session_credentials(user) -> dict[str, dict[str, str]]:
    """Cookies and CSRF header of a browser session that signed in with password and then TOTP."""
    from tests.conftest import login_staff

    session = login_staff(Client(), user).session
    csrf = get_random_string(32)
    cookies = {settings.SESSION_COOKIE_NAME: session.session_key, settings.CSRF_COOKIE_NAME: csrf}
    return {"headers": {"X-CSRFToken": csrf}, "cookies": cookies}


def persona_credentials(persona: Persona) -> dict[str, dict[str, str]]:
    """``{"headers": ..., "cookies": ...}`` with which ``persona`` calls the API."""
    user = User.objects.get(email=EMAILS[persona])
    return token_credentials(user) if persona is Persona.APPLICANT else mfa_session_credentials(user)
