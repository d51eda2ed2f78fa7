"""Has this session passed two-factor authentication? The one answer every staff check relies on.

allauth keeps a log of how the current session authenticated (``account_authentication_methods``): a password
login adds ``{"method": "password"}``, the TOTP or recovery-code step of the login, or a later MFA
re-authentication, adds ``{"method": "mfa"}``. Activating TOTP in a session proves the code too, so it adds the
same record (see :func:`record_enrolment`). Only a session with such a record may exercise staff roles; TOTP set
up in another session does not count.
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.utils import is_mfa_enabled
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

MFA_METHOD = "mfa"


def session_passed_mfa(request, user) -> bool:
    session = getattr(request, "session", None)
    if session is None or not getattr(user, "is_authenticated", False):
        return False
    return any(record.get("method") == MFA_METHOD for record in get_authentication_records(request, user))


def mark_user(user, *, mfa_passed: bool):
    """Record on the request's user object whether staff roles may be used (read by ``accounts.roles``)."""
    if getattr(user, "is_authenticated", False):
        user.mfa_passed = mfa_passed
    return user


def mark_session_user(request, user):
    return mark_user(user, mfa_passed=session_passed_mfa(request, user))


def record_enrolment(request, user, authenticator) -> None:
    """The session that activated TOTP typed a valid code: it counts as having passed MFA."""
    record_authentication(request, user, MFA_METHOD, id=authenticator.pk, type=authenticator.type, enrolled=True)
    mark_user(user, mfa_passed=True)


def mfa_url(user, next_url: str | None = None) -> str:
    """Where a staff member goes to pass MFA: TOTP set-up, or the MFA step-up when an authenticator exists."""
    if is_mfa_enabled(user):
        url = reverse("mfa_reauthenticate")
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url
    return reverse("mfa_activate_totp")


def mfa_required_payload(user) -> dict:
    return {
        "detail": _(
            "MFA required: your staff role works only in a session that passed two-factor authentication. "
            "Sign in on the website with your authenticator app, or use a token with the staff scope."
        ),
        "code": "mfa_required",
        "setup_url": mfa_url(user),
    }
