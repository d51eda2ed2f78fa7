"""What the review pages share: the role checks and a reviewer's own assignment."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from reviews import selectors
from reviews.models import ReviewAssignment


def _messages_of(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for errors in error.error_dict.values() for e in errors for m in e.messages)
    return " ".join(str(m) for m in error.messages)


def _require_reviewer(request) -> None:
    if not selectors.is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers can open this page."))


def _require_call_manager(request) -> None:
    if not selectors.is_call_manager(request.user):
        raise PermissionDenied(_("Only call managers can open this page."))


def _own_assignment(request, pk: int) -> ReviewAssignment:
    _require_reviewer(request)
    try:
        return selectors.assignment_for_reviewer(user=request.user, pk=pk)
    except ReviewAssignment.DoesNotExist:
        raise Http404(_("No such assignment."))


def _download_url(attachment) -> str:
    return reverse("attachment_download", args=[attachment.application_id, attachment.pk])
