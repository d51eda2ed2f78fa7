"""Project-wide tasks: outgoing email and the worker heartbeat read by /healthz."""

import time

from celery import shared_task
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives

HEARTBEAT_KEY = "celery:heartbeat"


@shared_task(name="portal.send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> int:
    """Send one email. Queued with ``portal.emails.queue_email`` after the transaction commits."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()


@shared_task(name="portal.heartbeat")
def heartbeat() -> float:
    """Records that a worker ran a task; beat schedules it every minute."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=600)
    return now
