"""Writes for calls and applications.

Every function takes keyword arguments and the acting user ``by``, checks permission and input, runs in one
transaction and raises ``ValidationError`` (a form error / API 400), ``SectionConflict`` (a stale save; API 409)
or ``PermissionDenied``. Emails leave only after commit.

One submodule per stage (``drafts``, ``transitions``, ``submit``, ``reminders``) and ``_common`` for what they
share; this package re-exports them, so callers keep writing ``services.application_submit(...)``.
"""

from django.core.exceptions import ValidationError

from allocations.applications.services._common import (
    BRUSSELS,
    MAX_ATTACHMENTS,
    MAX_TEAM_MEMBERS,
    SectionConflict,
    TransitionRefused,
    brussels_time,
)
from allocations.applications.services.drafts import (
    application_create,
    application_update,
    attachment_add,
    attachment_remove,
)
from allocations.applications.services.reminders import draft_reminders_send
from allocations.applications.services.submit import application_submit, application_withdraw
from allocations.applications.services.team import team_invitable, team_member_invite
from allocations.applications.services.transitions import (
    application_transition,
    applications_transition,
    check_transition,
)

__all__ = [
    "BRUSSELS",
    "MAX_ATTACHMENTS",
    "MAX_TEAM_MEMBERS",
    "SectionConflict",
    "TransitionRefused",
    "ValidationError",
    "application_create",
    "application_submit",
    "application_transition",
    "application_update",
    "application_withdraw",
    "applications_transition",
    "attachment_add",
    "attachment_remove",
    "brussels_time",
    "check_transition",
    "draft_reminders_send",
    "team_invitable",
    "team_member_invite",
]
