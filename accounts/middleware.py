"""Staff must use MFA, per session.

``AuthenticationMiddleware`` marks the request's user with ``mfa_passed`` (see ``accounts.mfa``), so every role
check in ``accounts.roles`` sees no staff role in a session that skipped TOTP. ``StaffMfaRequiredMiddleware``
then sends such staff members from staff pages to TOTP set-up (or to the MFA step-up when they already have an
authenticator), and turns a refusal caused by the missing MFA on any other page into the same redirect.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import get_user
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from accounts.mfa import mark_session_user, mfa_url
from accounts.roles import holds_staff_role, may_use_staff_roles

API_PREFIX = "/api/"


def is_staff_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.STAFF_URL_PREFIXES)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, plus the session's MFA state on ``request.user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: mark_session_user(request, get_user(request)))


def _needs_mfa(user) -> bool:
    return bool(user is not None and user.is_authenticated and not may_use_staff_roles(user) and holds_staff_role(user))


class StaffMfaRequiredMiddleware:
    """Before any page under ``STAFF_URL_PREFIXES``: platform staff whose session did not pass MFA go to allauth.

    Runs after authentication, so anonymous visitors still meet the login page (or the admin's own login).
    Elsewhere, a view that raises 403 or 404 after a role check withheld staff power gets the same redirect. The
    API answers such refusals itself, as JSON (``portal.api.exception_handler``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if is_staff_path(request.path) and _needs_mfa(user):
            return self._to_mfa(request, user)
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A view refused (403 or 404) after a role check withheld staff power: send the user to MFA instead.

        Checked when the view raises, before an error page renders the navigation (which asks role checks too).
        """
        if not isinstance(exception, Http404 | PermissionDenied) or request.path.startswith(API_PREFIX):
            return None
        user = getattr(request, "user", None)
        if getattr(user, "mfa_would_help", False):
            return self._to_mfa(request, user)
        return None

    @staticmethod
    def _to_mfa(request, user):
        messages.warning(
            request,
            _(
                "Your role requires two-factor authentication. Set up an authenticator app, or confirm a code "
                "from it in this session, and the staff pages open again."
            ),
        )
        url = mfa_url(user, next_url=request.get_full_path() if request.method == "GET" else None)
        if getattr(request, "htmx", False):
            # An htmx request would swap the set-up page into a fragment; make the browser navigate instead.
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)


class UserLanguageMiddleware:
    """After authentication: a signed-in person reads pages in the language stored on their account (set by the
    switcher or the profile), on every browser, ahead of the cookie and the browser's Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
