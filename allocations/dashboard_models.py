"""Summary tables behind the allocation dashboards.

``GrantUsageSummary`` holds one row per grant with the GPU-seconds it used and the first day it used any, so the
dashboards do not scan the daily usage table (a million rows and more) on every page view. It is rebuilt in one
statement by ``allocations.dashboard_services.usage_summary_refresh`` (Celery beat, and after each usage import and
allocation commit); ``DashboardRefresh`` records each rebuild, and the newest one is the "as of" time on the pages.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["DashboardRefresh", "GrantUsageSummary"]


class GrantUsageSummary(models.Model):
    """GPU-seconds a grant used up to the last refresh (a copy of ``UsageDaily`` summed per grant)."""

    grant = models.OneToOneField(
        "allocations.Grant",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="usage_summary",
        verbose_name=_("grant"),
    )
    used_seconds = models.BigIntegerField(_("used (GPU-seconds)"), default=0)
    first_used_on = models.DateField(_("first used on"), null=True, blank=True)
    last_used_on = models.DateField(_("last used on"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("grant usage summary")
        verbose_name_plural = _("grant usage summaries")
        ordering = ["grant_id"]
        constraints = [
            models.CheckConstraint(condition=Q(used_seconds__gte=0), name="grant_usage_summary_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id}: {self.used_seconds}"


class DashboardRefresh(models.Model):
    """One rebuild of the summary tables: when, how many grants and how long it took."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    grants = models.PositiveIntegerField(_("grants summarised"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    trigger = models.CharField(_("trigger"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("dashboard refresh")
        verbose_name_plural = _("dashboard refreshes")
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M:%S} ({self.grants})"
