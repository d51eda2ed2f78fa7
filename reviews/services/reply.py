"""The principal investigator's right to reply to the reviews."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications import selectors as application_selectors
from allocations.applications.services import application_transition, brussels_time
from allocations.applications.workflow import Action, Role, Status
from allocations.models import Application
from portal.emails import queue_templated_email
from reviews import selectors
from reviews.models import (
    REPLY_MAX_CHARS,
    ReviewEventKind,
    RightToReply,
)
from reviews.services._common import _absolute_url, _event, _lock

REPLY_DAYS = 7  # a call without its own reply window


# --- Right to reply ----------------------------------------------------------------------------------------------


def reply_window_open(*, application_id: int, by: User | None, now=None, days: int | None = None) -> RightToReply:
    """Open the PI's right to reply (the portal, once the reviews are complete, or a call manager) for the call's
    reply window (``days`` overrides it); emails the PI."""
    now = now or timezone.now()
    with transaction.atomic():
        application = application_transition(application_id=application_id, action=Action.OPEN_REPLY, by=by, now=now)
        application = Application.objects.select_related("pi", "call").get(pk=application.pk)
        if days is None:
            days = application.call.reply_window_days or REPLY_DAYS
        window = RightToReply.objects.create(
            application=application, opened_at=now, deadline=now + dt.timedelta(days=days)
        )
        if application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="reviews/email/reply_open",
                context={
                    "application": application,
                    "deadline": window.deadline,
                    "url": _absolute_url("application_reviews", pk=application.pk),
                },
            )
    return window


def reply_submit(*, application_id: int, by: User, text: str, now=None) -> RightToReply:
    """The PI's one reply (at most 5,000 characters) before the deadline; the application then goes to the panel."""
    now = now or timezone.now()
    text = (text or "").strip()
    with transaction.atomic():
        application = _lock(application_id)
        roles = application_selectors.roles_of(user=by, application=application)
        if Role.PI not in roles:
            raise PermissionDenied(_("Only the principal investigator can reply to the reviews."))
        if application.status != Status.RIGHT_TO_REPLY:
            raise ValidationError(_("The right to reply is not open for this application."))
        window = RightToReply.objects.select_for_update().get(application=application)
        if window.has_reply:
            raise ValidationError(_("You have already replied; there is one reply per application."))
        if window.deadline <= now:
            raise ValidationError(
                _("The deadline to reply passed on %(when)s (Brussels time).")
                % {"when": brussels_time(window.deadline)}
            )
        if not text:
            raise ValidationError({"text": _("Write your reply.")})
        if len(text) > REPLY_MAX_CHARS:
            raise ValidationError(
                {"text": _("A reply has at most 5,000 characters (this one has %(n)d).") % {"n": len(text)}}
            )
        window.text = text
        window.replied_by = by
        window.replied_at = now
        window.closed_at = now
        window.save(update_fields=["text", "replied_by", "replied_at", "closed_at"])
        _event(ReviewEventKind.REPLY, application=application, by=by, characters=len(text))
        application_transition(application_id=application.pk, action=Action.CLOSE_REPLY, by=by, now=now)
    return window


def reply_windows_close(*, now=None) -> int:
    """Beat: move applications whose reply deadline passed to the panel (the portal acts). Idempotent."""
    now = now or timezone.now()
    closed = 0
    for window in selectors.reply_windows_expired(now=now):
        with transaction.atomic():
            application = _lock(window.application_id)
            if application.status != Status.RIGHT_TO_REPLY:
                continue
            RightToReply.objects.filter(pk=window.pk, closed_at__isnull=True).update(closed_at=now)
            application_transition(
                application_id=application.pk,
                action=Action.CLOSE_REPLY,
                by=None,
                now=now,
                comment=_("The reply deadline passed."),
            )
            closed += 1
    return closed
