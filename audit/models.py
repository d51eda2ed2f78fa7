"""The audit trail: who changed what, when. Append-only: a database trigger refuses UPDATE and DELETE."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ObjectType(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    MEMBERSHIP = "membership", _("Membership")
    USER = "user", _("User and platform roles")
    CALL = "call", _("Call")
    TOKEN = "token", _("API token")
    AUTHENTICATOR = "authenticator", _("Authenticator")
    CHANGE_REQUEST = "change_request", _("Change request")
    TERMS = "terms", _("Terms of access")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=20, choices=ObjectType.choices)
    object_id = models.CharField(_("object id"), max_length=64)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"
