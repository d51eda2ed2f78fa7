"""Staff must use MFA: a member of a staff group without an authenticator is sent to TOTP setup."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.roles import is_platform_staff


def is_staff_path(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.STAFF_URL_PREFIXES)


class StaffMfaRequiredMiddleware:
    """Before any page under ``STAFF_URL_PREFIXES``: platform staff without TOTP go to allauth's TOTP set-up.

    Runs after authentication, so anonymous visitors still meet the login page (or the admin's own login).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and is_staff_path(request.path)
            and is_platform_staff(user)
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                _(
                    "Your role requires two-factor authentication. Set up an authenticator app to continue; "
                    "you will then see your recovery codes, and the staff pages open again."
                ),
            )
            setup_url = reverse("mfa_activate_totp")
            if getattr(request, "htmx", False):
                # An htmx request would swap the set-up page into a fragment; make the browser navigate instead.
                return HttpResponse(status=204, headers={"HX-Redirect": setup_url})
            return redirect(setup_url)
        return self.get_response(request)
