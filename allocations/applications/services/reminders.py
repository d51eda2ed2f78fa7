"""Reminders of drafts before their call's cut-off, each sent once."""

from django.db import transaction
from django.utils import timezone

from allocations.applications import selectors
from allocations.models import DraftReminder, ReminderKind
from portal.emails import queue_templated_email
from portal.links import absolute_url

# --- Reminders ---------------------------------------------------------------------------------------------------


def draft_reminders_send(*, now=None) -> int:
    """Email the PI and author of each draft 7 days and 1 day before its call's next cut-off, each reminder once.

    Idempotent: a unique row per (draft, cut-off, kind) is written before the email is queued, so a second run
    (or two runs at once) sends nothing again. Returns the number of reminders queued.
    """
    now = now or timezone.now()
    sent = 0
    for cutoff in selectors.cutoffs_due_for_reminders(now=now, within_days=7):
        kind = ReminderKind.DAY if cutoff.at - now <= timezone.timedelta(days=1) else ReminderKind.WEEK
        for application in selectors.drafts_of_call(call=cutoff.call):
            with transaction.atomic():
                _reminder, created = DraftReminder.objects.get_or_create(
                    application=application, cutoff=cutoff, kind=kind
                )
                if not created:
                    continue
                recipients = list(
                    dict.fromkeys(u.email for u in (application.pi, application.created_by) if u is not None)
                )
                queue_templated_email(
                    to=recipients,
                    template="allocations/email/draft_reminder",
                    context={
                        "application": application,
                        "call": cutoff.call,
                        "cutoff": cutoff.at,
                        "days": 1 if kind == ReminderKind.DAY else 7,
                        "url": absolute_url("application_detail", pk=application.pk),
                    },
                )
                sent += 1
    return sent
