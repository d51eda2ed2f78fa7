"""Project-wide tables: the transactional outbox of background tasks."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to run, written in the same transaction as the change that asks for it.

    The relay publishes it to the broker after the commit (or, if the broker is down, a beat task does once it is
    back), with ``key`` as the Celery task id. A consuming task that must not repeat its effect (an email) records
    ``consumed_at`` under a row lock, so a second delivery of the same key does nothing.
    """

    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    task = models.CharField(_("task name"), max_length=200)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    relayed_at = models.DateTimeField(_("relayed at"), null=True, blank=True)
    relay_attempts = models.PositiveIntegerField(_("relay attempts"), default=0)
    last_error = models.TextField(_("last relay error"), blank=True)
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay scans only what is still waiting for the broker.
            models.Index(fields=["created_at"], condition=Q(relayed_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.key}"
