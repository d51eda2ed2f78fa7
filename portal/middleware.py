"""A request that failed because PostgreSQL was unreachable answers 503 with ``Retry-After``, never a traceback.

Django turns an exception raised anywhere below this middleware into a 500 response (a traceback page with
DEBUG) before this middleware sees the response; the ``got_request_exception`` signal, sent while the exception is
being handled, marks the request, and the middleware replaces that response: JSON under ``/api/``, a small
translated page elsewhere, rendered without the database. The next request connects again by itself
(``CONN_HEALTH_CHECKS``): no restart is needed once PostgreSQL is back.
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10
_MARK = "_portal_database_unavailable"


@receiver(got_request_exception)
def _mark_database_unavailable(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, OperationalError | InterfaceError):
        setattr(request, _MARK, True)


def database_unavailable_response(request) -> HttpResponse:
    language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        message = _("The portal cannot reach its database right now. Nothing was lost; try again in a few seconds.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            html = render_to_string("503.html", {"message": message, "LANGUAGE_CODE": language})
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Near the top of ``MIDDLEWARE``: replaces the error response of a request marked by the signal above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            logger.warning("database unavailable: 503 for %s %s", request.method, request.path)
            return database_unavailable_response(request)
        return response
