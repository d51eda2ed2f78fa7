"""Project-wide tasks: outgoing email, the outbox relay and the worker heartbeat read by /healthz."""

import time

from celery import shared_task
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives

from portal import outbox

HEARTBEAT_KEY = "celery:heartbeat"


@shared_task(
    name="portal.send_email",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_email(self, *, to: list[str], subject: str, body: str, html: str | None = None) -> int:
    """Send one email. Queued with ``portal.emails.queue_email`` through the outbox, whose key is the task id:
    a redelivered or twice-relayed message sends nothing the second time."""

    def deliver() -> int:
        message = EmailMultiAlternatives(subject=subject, body=body, to=to)
        if html:
            message.attach_alternative(html, "text/html")
        return message.send()

    return outbox.consume_once(self.request.id, deliver) or 0


@shared_task(name="portal.relay_outbox")
def relay_outbox() -> int:
    """Beat: publish outbox messages that waited more than a minute (the broker was down at their commit)."""
    return outbox.relay(older_than=outbox.RELAY_AGE)


@shared_task(name="portal.heartbeat")
def heartbeat() -> float:
    """Records that a worker ran a task; beat schedules it every minute."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=600)
    return now
