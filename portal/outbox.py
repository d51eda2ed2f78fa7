"""The transactional outbox: background tasks that survive a broker outage and run their effect once.

``enqueue()`` writes an :class:`~portal.models.OutboxMessage` in the caller's transaction and relays it to Celery
on commit. When the broker is down the request still succeeds: the row waits, and the beat task
``portal.relay_outbox`` publishes every message older than a minute once the broker is back. A message may reach
the broker more than once (a relay that crashed after publishing); consumers that must act once wrap their effect
in :func:`consume_once`, which records the key under a row lock.
"""

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import OutboxMessage

logger = logging.getLogger(__name__)

# After a failed publish, relays on commit skip the broker for this long (the beat relay retries), so a request
# during an outage pays for one refused connection at most per process and window, not one per message.
BROKER_BACKOFF_SECONDS = 5.0
RELAY_AGE = timedelta(minutes=1)
_broker_down_until = 0.0


def enqueue(task: str, **kwargs) -> OutboxMessage:
    """Record ``task(**kwargs)`` in the current transaction; it is published after the commit. ``kwargs`` must be
    JSON-serialisable. Nothing is published if the transaction rolls back."""
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    message_key = message.key
    transaction.on_commit(lambda: relay(keys=[message_key]))
    return message


def relay(*, keys: list | None = None, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Publish pending messages (``keys``, or every one created before ``now - older_than``) to the broker and mark
    them relayed; returns how many were published. Stops at the first broker error: the rest stay pending for the
    next relay. Rows are locked with SKIP LOCKED, so concurrent relays do not publish one message twice."""
    global _broker_down_until
    if keys is not None and time.monotonic() < _broker_down_until:
        return 0
    pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(relayed_at__isnull=True)
    if keys is not None:
        pending = pending.filter(key__in=keys)
    if older_than is not None:
        pending = pending.filter(created_at__lte=(now or timezone.now()) - older_than)
    published = []
    with transaction.atomic():
        for message in pending.order_by("created_at")[:1000]:
            try:
                _publish(message)
            except Exception as exc:  # any broker failure leaves the message for the next relay
                _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                logger.warning("outbox: broker unavailable, %s stays pending: %s", message.key, exc)
                OutboxMessage.objects.filter(pk=message.pk).update(
                    relay_attempts=message.relay_attempts + 1, last_error=str(exc)[:1000]
                )
                break
            published.append(message.pk)
        OutboxMessage.objects.filter(pk__in=published).update(relayed_at=timezone.now())
    if published:
        _broker_down_until = 0.0
    return len(published)


def _publish(message: OutboxMessage) -> None:
    from portal.celery import app

    # No retries here (the beat relay is the retry) and no result subscription: an outage costs one refused
    # connection, not the ~20 s of the default publish and result-backend retries.
    app.send_task(message.task, kwargs=message.kwargs, task_id=str(message.key), retry=False, ignore_result=True)


def consume_once[T](key, effect: Callable[[], T]) -> T | None:
    """Run ``effect()`` unless the outbox message ``key`` was already consumed; record it as consumed in the same
    transaction. The row lock makes a second delivery wait for the first and then skip. A ``key`` that is not an
    outbox message (a task sent directly) runs ``effect`` without a record."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return effect()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(key=key).first()
        if message is None:
            return effect()
        if message.consumed_at is not None:
            logger.info("outbox: %s %s already consumed at %s", message.task, key, message.consumed_at)
            return None
        result = effect()
        message.consumed_at = timezone.now()
        message.save(update_fields=["consumed_at"])
    return result
