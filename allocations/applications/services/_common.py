"""Shared by the application services: their errors, the row lock and the editor check, Brussels time."""

import logging
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications import selectors
from allocations.applications.workflow import Role, Status
from allocations.models import Application
from portal.text import inline_label

logger = logging.getLogger(__name__)

BRUSSELS = ZoneInfo("Europe/Brussels")
EDITORS = frozenset({Role.PI, Role.ORG_OWNER, Role.ORG_MEMBER})
MAX_TEAM_MEMBERS = 30
MAX_ATTACHMENTS = 20


class TransitionRefused(ValidationError):
    """The action is not allowed from the application's status."""


class SectionConflict(ValidationError):
    """A section was saved from a stale version; ``current`` holds the newer saved values."""

    def __init__(self, message: str, *, section: str, application: Application, current: dict):
        super().__init__(message, code="conflict")
        self.section = section
        self.application = application
        self.current = current


def brussels_time(moment) -> str:
    return formats.date_format(moment.astimezone(BRUSSELS), "DATETIME_FORMAT")


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__access_mode", "form_version")
        .get(pk=application_id)
    )


def _require_editor(application: Application, by: User) -> frozenset[Role]:
    roles = selectors.roles_of(user=by, application=application)
    if not roles & EDITORS:
        raise PermissionDenied(_("Only members of the applying organisation can change this application."))
    if not application.is_editable:
        raise ValidationError(
            _("This application is %(status)s and can no longer be changed.")
            % {"status": inline_label(Status(application.status).label)}
        )
    return roles
