"""Shared by the call designer's services: the manager check, the call row lock and the audit event."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from allocations.models import Call, CallEvent, CallStatus
from audit.models import ObjectType
from audit.services import jsonable
from audit.services import record as audit_record

# After publishing only these fields of a call may change (plus its cut-offs and closing it early).
EDITABLE_AFTER_PUBLISHING = frozenset({"summary", "description"})


def require_call_manager(by: User) -> None:
    if by is None or not by.is_authenticated or not has_role(by, PlatformRole.CALL_MANAGER):
        raise PermissionDenied(_("Only call managers can design and publish calls."))


def lock_call(call_id: int) -> Call:
    return Call.objects.select_for_update(of=("self",)).select_related("access_mode").get(pk=call_id)


def require_not_closed(call: Call) -> None:
    if call.status == CallStatus.CLOSED:
        raise ValidationError(_("This call is closed and can no longer be changed."), code="closed")


def record(call: Call, by: User, kind: str, **detail) -> CallEvent:
    """The audit event of a change to a call (append-only), also in the portal's audit trail (/staff/audit/)."""
    event = CallEvent.objects.create(call=call, actor=by, kind=kind, detail=detail)
    audit_record(
        actor=by,
        action=f"call.{kind}",
        object_type=ObjectType.CALL,
        object_id=call.pk,
        object_label=call.title,
        changes={name: [None, jsonable(value)] for name, value in event.detail.items()},
    )
    return event
