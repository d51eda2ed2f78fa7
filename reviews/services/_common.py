"""Helpers shared by the review-stage services: links in emails, the application row lock, events, roles."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.models import Application
from portal.links import absolute_url as _absolute_url  # noqa: F401 (the services link with it)
from portal.text import inline_label
from reviews import selectors
from reviews.models import ReviewEvent


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__access_mode", "organisation", "pi")
        .get(pk=application_id)
    )


def _event(kind: str, *, application: Application, by: User | None, assignment=None, **detail) -> ReviewEvent:
    return ReviewEvent.objects.create(
        kind=kind, application=application, assignment=assignment, actor=by, detail=detail
    )


def _require_call_manager(by: User) -> None:
    if not selectors.is_call_manager(by):
        raise PermissionDenied(_("Only call managers can do this."))


def _status_label(status) -> str:
    return inline_label(Status(status).label)
