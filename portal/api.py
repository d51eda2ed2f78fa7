"""API plumbing shared by every app: pagination, JSON errors and the error format.

Every error the API answers has one shape (``ERROR_SCHEMA`` in ``portal.openapi``)::

    {"detail": "Invalid input.", "code": "invalid", "title": ["This field is required."]}

``detail`` is a sentence for people, ``code`` a stable machine-readable string (``invalid``, ``parse_error``,
``not_authenticated``, ``authentication_failed``, ``permission_denied``, ``not_found``, ``method_not_allowed``,
``unsupported_media_type``, ``throttled``, ``conflict``, ...). A 400 also names each faulty field with its
messages; errors inside lists and nested objects use dotted paths (``transfers.1.amount``), and errors not tied
to one field are under ``non_field_errors``.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status, throttling
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_ERRORS = "non_field_errors"
# Keys of the error body itself; a field of the same name reports its errors under "<name>_field".
RESERVED_KEYS = frozenset({"detail", "code"})


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class UserRateThrottle(throttling.UserRateThrottle):
    """Per user; a principal that is not a user (a cluster token) counts under its own ``throttle_ident``."""

    def get_cache_key(self, request, view):
        ident = getattr(request.user, "throttle_ident", None)
        if ident:
            return self.cache_format % {"scope": self.scope, "ident": ident}
        return super().get_cache_key(request, view)


class Conflict(exceptions.APIException):
    """The request is valid but collides with the current state (decided by someone else, changed since read)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object changed since you read it."
    default_code = "conflict"


def validation_error_detail(error: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF field errors: ``{"field": ["message"]}`` or ``{"non_field_errors": [...]}``."""
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD_ERRORS if field == "__all__" else field): [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {NON_FIELD_ERRORS: [str(m) for m in error.messages]}


def field_errors(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as ``{"dotted.path": ["message", ...]}``."""
    key = path or NON_FIELD_ERRORS
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            child = path if name == NON_FIELD_ERRORS else (f"{path}.{name}" if path else str(name))
            for sub_key, messages in field_errors(value, child).items():
                flat.setdefault(sub_key, []).extend(messages)
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {key: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            if item:
                for sub_key, messages in field_errors(item, f"{path}.{index}" if path else str(index)).items():
                    flat.setdefault(sub_key, []).extend(messages)
        return flat
    return {key: [str(detail)]}


def error_body(detail: str, code: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict = {(f"{name}_field" if name in RESERVED_KEYS else name): v for name, v in (fields or {}).items()}
    body["detail"] = str(detail)
    body["code"] = code
    return body


def _validation_body(exc: exceptions.ValidationError) -> dict:
    fields = field_errors(exc.detail)
    messages = [m for ms in fields.values() for m in ms]
    detail = messages[0] if len(messages) == 1 else _("Invalid input.")
    return error_body(detail, "invalid", fields)


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _mfa_required(exc, context) -> Response | None:
    """A 403 or 404 answered because a role check withheld staff power for lack of MFA: say so, as 403."""
    if not isinstance(exc, exceptions.PermissionDenied | exceptions.NotFound):
        return None
    user = getattr(context.get("request"), "_user", None)  # as authenticated; never authenticate again here
    if not getattr(user, "mfa_would_help", False):
        return None
    from accounts.mfa import mfa_required_payload

    return Response(mfa_required_payload(user), status=status.HTTP_403_FORBIDDEN)


def exception_handler(exc, context):
    """DRF's handler in the API's one error shape, plus domain errors raised by services: Django's
    ValidationError is a 400 with field errors, PermissionDenied a 403, Http404 a 404; refusals of staff whose
    session or token did not pass MFA are 403 ``{"code": "mfa_required", "setup_url": ...}``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    mfa_response = _mfa_required(exc, context)
    if mfa_response is not None:
        return mfa_response
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(response.data, dict) and isinstance(response.data.get("detail"), str):
        response.data = error_body(response.data["detail"], _code_of(exc))
    return response


def conflict(message: str, code: str = "conflict", **extra) -> Response:
    """A 409 in the error shape; ``extra`` adds documented keys (e.g. the current values)."""
    return Response({**error_body(message, code), **extra}, status=status.HTTP_409_CONFLICT)


def not_found(request, exception=None) -> JsonResponse:
    """The 404 of URLs no route matches: JSON under /api/, so a client always gets the error shape."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(_("Not found."), "not_found"), status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
