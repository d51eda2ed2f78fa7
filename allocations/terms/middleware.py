"""Re-acceptance at the next visit: a signed-in person bound to a document whose current version they have not
accepted (see ``selectors.reacceptance_due``) is sent to ``/terms/`` from any page, and comes back afterwards.

Only full-page GET requests of signed-in people: anonymous pages, the API, htmx fragments, staff and admin pages,
the sign-in and sign-out pages and the terms pages themselves pass untouched. The check costs nothing per request
while the current versions stay the same: the session remembers which versions it was checked against (for
``RECHECK_SECONDS``, so that a person added to a grant meanwhile is asked too).
"""

import time

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "terms_checked"
RECHECK_SECONDS = 600
EXEMPT_PREFIXES = (
    "/api/",
    "/admin/",
    "/staff/",
    "/accounts/",
    "/terms/",
    "/static/",
    "/i18n/",
    "/jsi18n/",
    "/healthz",
    "/privacy/",
    "/accessibility/",
)


class TermsReacceptanceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._applies(request) and self._due(request):
            url = reverse("terms_current") + "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _applies(request) -> bool:
        if request.method != "GET" or getattr(request, "htmx", False):
            return False
        if request.path.startswith(EXEMPT_PREFIXES):
            return False
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)

    @staticmethod
    def _due(request) -> bool:
        from allocations.terms import selectors  # the models are not ready when the middleware is built

        fingerprint = selectors.current_fingerprint()
        if not fingerprint:
            return False
        checked = request.session.get(SESSION_KEY) or {}
        if checked.get("versions") == fingerprint and time.time() - checked.get("at", 0) < RECHECK_SECONDS:
            return False
        if selectors.reacceptance_due(user=request.user):
            return True
        request.session[SESSION_KEY] = {"versions": fingerprint, "at": int(time.time())}
        return False
