"""Summary tables behind the allocation dashboards.

``GrantUsageSummary`` holds one row per grant with the GPU-seconds it used and the first day it used any, so the
dashboards do not scan the daily usage table (a million rows and more) on every page view. It also carries the
grant's status, granted GPU-seconds and the attributes the distribution groups and filters by (country and type of
the organisation, access mode, AI domain, call, Gigafactory, period), so that page is one scan of a narrow table
instead of joins through the applications and organisations. It is rebuilt in one
statement by ``allocations.dashboards.services.usage_summary_refresh`` (Celery beat, and after each usage import and
allocation commit); ``DashboardRefresh`` records each rebuild, and the newest one is the "as of" time on the pages.

``ApplicationFunnelFact`` holds one narrow row per application (call, cut-off, the stages it reached, the time from
submission to the panel decision and to the first day with GPU use), rebuilt by the same refresh, so the call funnel
reads small rows instead of joining the applications with their events, grants and usage on every view.
``CutoffFunnelSummary`` aggregates those facts per call and cut-off (counts and percentiles), so a funnel view reads a
row per cut-off plus the facts of the applications without one.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allocations.models.capacity import GrantStatus

__all__ = ["ApplicationFunnelFact", "CutoffFunnelSummary", "DashboardRefresh", "GrantUsageSummary"]


def _copied_key(model: str, verbose_name: str) -> models.ForeignKey:
    """A key copied from the live tables by the refresh: no database constraint or index (the table is read whole),
    no cascade (the next refresh rewrites it)."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class GrantUsageSummary(models.Model):
    """GPU-seconds a grant used up to the last refresh (a copy of ``UsageDaily`` summed per grant), with the grant's
    status, granted GPU-seconds and grouping attributes as they were at that refresh."""

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
    status = models.CharField(_("grant status"), max_length=10, choices=GrantStatus.choices)
    granted_seconds = models.BigIntegerField(_("granted (GPU-seconds)"))
    gigafactory = _copied_key("allocations.Gigafactory", _("Gigafactory"))
    period = _copied_key("allocations.CapacityPeriod", _("period"))
    call = _copied_key("allocations.Call", _("call"))
    access_mode = _copied_key("allocations.AccessMode", _("access mode"))
    country = models.CharField(_("country"), max_length=2)
    organisation_type = models.CharField(_("organisation type"), max_length=20)
    ai_domain = models.CharField(_("AI domain"), max_length=20, blank=True)

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


class ApplicationFunnelFact(models.Model):
    """An application as the call funnel counts it, up to the last refresh. The foreign keys carry no database
    constraint and no cascade: deleting an application or a call never touches this table; the next refresh drops
    the rows of what is gone."""

    application = models.OneToOneField(
        "allocations.Application",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="+",
        verbose_name=_("application"),
    )
    call = models.ForeignKey(
        "allocations.Call", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("call")
    )
    cutoff = models.ForeignKey(
        "allocations.CallCutoff",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cut-off"),
    )
    # The time the period filter reads: the cut-off, or (no cut-off) the creation of the application.
    period_at = models.DateTimeField(_("period time"))
    draft = models.BooleanField(_("draft"), default=False)
    submitted = models.BooleanField(_("submitted"), default=False)
    eligible = models.BooleanField(_("eligible"), default=False)
    reviewed = models.BooleanField(_("reviewed"), default=False)
    approved = models.BooleanField(_("approved"), default=False)
    offered = models.BooleanField(_("offered"), default=False)
    accepted = models.BooleanField(_("accepted"), default=False)
    requested_gpu_hours = models.BigIntegerField(_("requested GPU-hours"), null=True, blank=True)
    decision_seconds = models.FloatField(_("submission to decision (s)"), null=True, blank=True)
    first_use_seconds = models.BigIntegerField(_("submission to first use (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("application funnel fact")
        verbose_name_plural = _("application funnel facts")
        ordering = ["application_id"]
        indexes = [
            models.Index(fields=["call"], name="funnel_fact_no_cutoff", condition=Q(cutoff__isnull=True)),
        ]

    def __str__(self) -> str:
        return str(self.application_id)


class CutoffFunnelSummary(models.Model):
    """The funnel of one call and cut-off: ``ApplicationFunnelFact`` rows counted per stage, with the median and 90th
    percentile times (seconds, rounded), up to the last refresh."""

    call = models.ForeignKey(
        "allocations.Call", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("call")
    )
    cutoff = models.ForeignKey(
        "allocations.CallCutoff",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("cut-off"),
    )
    period_at = models.DateTimeField(_("cut-off time"))
    drafts = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    offered = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    requested_gpu_hours = models.BigIntegerField(_("GPU-hours requested by submitted applications"), null=True)
    decision_p50 = models.BigIntegerField(null=True, blank=True)
    decision_p90 = models.BigIntegerField(null=True, blank=True)
    first_use_p50 = models.BigIntegerField(null=True, blank=True)
    first_use_p90 = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("cut-off funnel summary")
        verbose_name_plural = _("cut-off funnel summaries")
        ordering = ["call_id", "cutoff_id"]

    def __str__(self) -> str:
        return f"{self.call_id}/{self.cutoff_id}"
