"""Writing the audit trail. Callers are services and admin hooks, inside the transaction of the change."""

import datetime as dt
import decimal
import uuid

from django.db import models
from django.utils import timezone

from audit.models import AuditEvent

SECRET_FIELDS = frozenset({"password", "password1", "password2", "key_hash", "secret", "data"})


def jsonable(value):
    """A value as it reads in the trail: model instances by id, collections sorted, dates in ISO 8601."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return sorted(str(jsonable(item)) for item in value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance: models.Model, fields) -> dict:
    return {name: jsonable(getattr(instance, name)) for name in fields if name not in SECRET_FIELDS}


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for every field whose value differs."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id,
    object_label: str = "",
    changes: dict | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is the acting user (None for the system: a task or a migration)."""
    return AuditEvent.objects.create(
        at=now or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_label=str(object_label)[:255],
        changes={name: value for name, value in (changes or {}).items() if name not in SECRET_FIELDS},
    )
