"""Provisioning of grants on the clusters: who is on a grant's Slurm account under which name, and what each
cluster's site agent last reported.

- ``ClusterUsername``: the POSIX user name a person has on a Gigafactory's clusters (one per person and
  Gigafactory, unique per Gigafactory), registered on their profile.
- ``GrantMember``: a person the PI added to the team of an application's grants (every slice of its Slurm account).
  The terms-of-access gate (each member accepts the platform's and the site's terms before getting an account) is
  applied by the desired-state selector (``allocations.usage.provisioning``) where it builds the user list.
- ``ProvisioningReport``: one agent run as reported (append-only): the actions with their outcome and the drift
  left. ``AccountProvisioning`` is the latest status per cluster and Slurm account, rewritten by each report.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "POSIX_USERNAME",
    "AccountProvisioning",
    "ClusterUsername",
    "GrantMember",
    "ProvisioningReport",
    "ProvisioningStatus",
]

# POSIX portable user names as Debian's adduser accepts them by default: lower case, at most 32 characters.
POSIX_USERNAME = r"^[a-z_][a-z0-9_-]{0,31}$"


class ClusterUsername(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cluster_usernames")
    gigafactory = models.ForeignKey(
        "allocations.Gigafactory", on_delete=models.PROTECT, related_name="+", verbose_name=_("Gigafactory")
    )
    username = models.CharField(
        _("user name on the cluster"),
        max_length=32,
        validators=[
            RegexValidator(
                POSIX_USERNAME,
                _("Use lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32."),
            )
        ],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cluster user name")
        verbose_name_plural = _("cluster user names")
        ordering = ["gigafactory_id", "username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "gigafactory"], name="cluster_username_one_per_gigafactory"),
            models.UniqueConstraint(fields=["gigafactory", "username"], name="cluster_username_unique"),
            models.CheckConstraint(condition=Q(username__regex=POSIX_USERNAME), name="cluster_username_posix"),
        ]

    def __str__(self) -> str:
        return self.username


class GrantMember(models.Model):
    application = models.ForeignKey("allocations.Application", on_delete=models.CASCADE, related_name="grant_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_memberships")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant team member")
        verbose_name_plural = _("grant team members")
        ordering = ["application_id", "added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "user"], name="grant_member_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.application}"


class ProvisioningStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")


class ProvisioningReport(models.Model):
    cluster = models.ForeignKey(
        "allocations.Cluster", on_delete=models.CASCADE, related_name="provisioning_reports", verbose_name=_("cluster")
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    version = models.CharField(_("desired-state version"), max_length=64, blank=True)
    agent_version = models.CharField(_("agent version"), max_length=32, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    drift = models.JSONField(_("drift"), default=list, help_text=_("sacctmgr commands still needed after the run."))
    failed = models.PositiveIntegerField(_("failed actions"), default=0)

    class Meta:
        verbose_name = _("provisioning report")
        verbose_name_plural = _("provisioning reports")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["cluster", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.cluster} {self.received_at:%Y-%m-%d %H:%M}"


class AccountProvisioning(models.Model):
    cluster = models.ForeignKey("allocations.Cluster", on_delete=models.CASCADE, related_name="+")
    slurm_account = models.CharField(_("Slurm account"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=ProvisioningStatus.choices)
    message = models.TextField(_("message"), blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("account provisioning")
        verbose_name_plural = _("account provisioning")
        ordering = ["cluster_id", "slurm_account"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "slurm_account"], name="account_provisioning_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} {self.slurm_account}: {self.status}"
