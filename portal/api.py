"""API plumbing shared by every app: pagination and error format."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def validation_error_detail(error: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF field errors: ``{"field": ["message"]}`` or ``{"non_field_errors": [...]}``."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


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
    """DRF's handler, plus domain errors raised by services (Django ValidationError) as 400 with field errors, and
    refusals of staff whose session or token did not pass MFA as 403 ``{"code": "mfa_required", ...}``."""
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
    if isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


def conflict(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
