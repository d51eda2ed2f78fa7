"""Reading the audit trail (callers check access with ``audit.rules.readable_object_types``)."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent


def audit_events(
    *,
    readable: frozenset[str],
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events of the ``readable`` object types, newest first, filtered by actor (email, part of it), object
    type and id, and the days ``since`` to ``until`` (both included, in the current time zone)."""
    events = AuditEvent.objects.filter(object_type__in=readable).select_related("actor")
    if actor:
        events = events.filter(actor__email__icontains=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if since:
        events = events.filter(at__gte=_start_of(since))
    if until:
        events = events.filter(at__lt=_start_of(until + dt.timedelta(days=1)))
    return events.order_by("-at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
