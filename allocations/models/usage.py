"""Usage accounting: clusters and their tokens, imports of job records, the usage table with its replacement
history, the per-grant daily summary, threshold alerts and end-of-period reclaims.

Amounts are integer GPU-seconds. ``UsageRecord`` is unique on (cluster, job id) so every job counts once;
``UsageDaily`` is maintained by the import merge (``allocations.usage.services``) and mirrored into the GPU-second
ledger as usage transfers (``posted_seconds`` says how much of the day is in the ledger). Alerts and reclaims are
unique rows, so a second run (or a concurrent one) does nothing twice.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ALERT_THRESHOLDS",
    "Cluster",
    "ClusterToken",
    "ImportFormat",
    "ImportSource",
    "ImportStatus",
    "UsageAlert",
    "UsageDaily",
    "UsageImport",
    "UsageImportEvent",
    "UsageReclaim",
    "UsageRecord",
    "UsageRecordRevision",
]

ALERT_THRESHOLDS = (80, 100)


class Cluster(models.Model):
    """A Slurm cluster of a Gigafactory, named as in ``sacct``'s ClusterName."""

    name = models.SlugField(_("name"), max_length=64, unique=True)
    gigafactory = models.ForeignKey(
        "allocations.Gigafactory", on_delete=models.PROTECT, related_name="clusters", verbose_name=_("Gigafactory")
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        help_text=_("Times in the cluster's job records without an offset are in this zone."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Kept by the site agent's runs: its last contact, and the end of the last usage window it pushed.
    last_report_at = models.DateTimeField(_("last agent report"), null=True, blank=True)
    usage_pushed_until = models.DateTimeField(_("usage pushed until"), null=True, blank=True)
    silence_alerted_at = models.DateTimeField(_("silence alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterToken(models.Model):
    """A secret a cluster uses to push its job records; only its SHA-256 is stored. Scoped to one cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("cluster"))
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cluster token")
        verbose_name_plural = _("cluster tokens")
        ordering = ["cluster__name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.cluster}: {self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class ImportSource(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    API = "api", _("API")


class ImportFormat(models.TextChoices):
    SACCT = "sacct", _("Slurm sacct (parsable2)")
    CSV = "csv", _("CSV")
    JSON = "json", _("JSON records")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


def import_path(instance, filename: str) -> str:
    return f"usage/{instance.cluster_id}/{filename}"


class UsageImport(models.Model):
    """One file (upload) or batch (API) of job records, processed once by a Celery task or in the request."""

    cluster = models.ForeignKey(Cluster, on_delete=models.PROTECT, related_name="imports", verbose_name=_("cluster"))
    source = models.CharField(_("source"), max_length=10, choices=ImportSource.choices)
    format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    file = models.FileField(_("file"), upload_to=import_path, max_length=255, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rows_skipped = models.PositiveIntegerField(
        _("rows skipped"), default=0, help_text=_("Job steps, running jobs, headers and blank lines.")
    )
    rows_new = models.PositiveIntegerField(_("new records"), default=0)
    rows_replaced = models.PositiveIntegerField(_("replaced records"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged records"), default=0)
    # [[line, reason code, detail], ...] in line order; the import page offers it as CSV.
    rejects = models.JSONField(_("rejected lines"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    token = models.ForeignKey(
        ClusterToken,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("cluster token"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("usage import")
        verbose_name_plural = _("usage imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="usage_import_status_created")]

    def __str__(self) -> str:
        return _("Import %(pk)s (%(cluster)s)") % {"pk": self.pk, "cluster": self.cluster}

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class UsageImportEvent(models.Model):
    """Append-only: each status change of an import."""

    usage_import = models.ForeignKey(UsageImport, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=10, choices=ImportStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=ImportStatus.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage import event")
        verbose_name_plural = _("usage import events")
        ordering = ["usage_import_id", "id"]

    def __str__(self) -> str:
        return f"{self.usage_import_id}: {self.from_status} -> {self.to_status}"


class UsageRecord(models.Model):
    """One finished job allocation of a cluster, charged to the grant of its Slurm account on the day it ended."""

    # The three references of this table are checked once per statement, not once per row: a million-row import
    # spent more than half of its time in PostgreSQL's per-row foreign-key checks. Triggers (migration 0009) lock
    # and check the referenced rows of each INSERT or UPDATE as a set and refuse deleting, renumbering or
    # truncating a cluster, grant or import that records refer to; the docstring there lists what differs.
    cluster = models.ForeignKey(
        Cluster, on_delete=models.PROTECT, db_constraint=False, related_name="records", verbose_name=_("cluster")
    )
    job_id = models.CharField(_("job id"), max_length=64)
    grant = models.ForeignKey(
        "allocations.Grant",
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="usage_records",
        verbose_name=_("grant"),
    )
    account = models.CharField(_("Slurm account"), max_length=64)
    user = models.CharField(_("cluster user"), max_length=64)
    partition = models.CharField(_("partition"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=64, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    day = models.DateField(_("charged on"))
    elapsed_seconds = models.BigIntegerField(_("elapsed (seconds)"))
    gpus = models.PositiveIntegerField(_("GPUs"))
    gpu_seconds = models.BigIntegerField(_("GPU-seconds"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    usage_import = models.ForeignKey(
        UsageImport,
        on_delete=models.SET_NULL,
        db_constraint=False,
        # Nothing looks records up by import (imports are kept; deleting one scans the table).
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        ordering = ["-end", "-id"]
        indexes = [models.Index(fields=["grant", "day"], name="usage_record_grant_day")]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "job_id"], name="usage_record_once_per_job"),
            models.CheckConstraint(
                condition=Q(gpu_seconds__gte=0) & Q(elapsed_seconds__gte=0), name="usage_record_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id}:{self.job_id}"


class UsageRecordRevision(models.Model):
    """Append-only history: the values a re-sent record replaced, and the difference in GPU-seconds."""

    record = models.ForeignKey(UsageRecord, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("replaced revision"))
    grant = models.ForeignKey("allocations.Grant", on_delete=models.PROTECT, related_name="+")
    account = models.CharField(_("Slurm account"), max_length=64)
    user = models.CharField(_("cluster user"), max_length=64)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    day = models.DateField(_("charged on"))
    elapsed_seconds = models.BigIntegerField(_("elapsed (seconds)"))
    gpus = models.PositiveIntegerField(_("GPUs"))
    gpu_seconds = models.BigIntegerField(_("GPU-seconds"))
    delta_seconds = models.BigIntegerField(_("difference (GPU-seconds)"))
    replaced_by = models.ForeignKey(
        UsageImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("replaced by")
    )
    replaced_at = models.DateTimeField(_("replaced at"))

    class Meta:
        verbose_name = _("usage record revision")
        verbose_name_plural = _("usage record revisions")
        ordering = ["record_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["record", "revision"], name="usage_record_revision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} r{self.revision}"


class UsageDaily(models.Model):
    """GPU-seconds one grant used on one day; ``posted_seconds`` of them are in the ledger (the rest is overuse)."""

    grant = models.ForeignKey(
        "allocations.Grant", on_delete=models.PROTECT, related_name="usage_days", verbose_name=_("grant")
    )
    day = models.DateField(_("day"))
    gpu_seconds = models.BigIntegerField(_("GPU-seconds"), default=0)
    posted_seconds = models.BigIntegerField(_("posted to the ledger (GPU-seconds)"), default=0)
    jobs = models.IntegerField(_("jobs"), default=0)

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        ordering = ["grant_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "day"], name="usage_daily_once_per_day"),
            models.CheckConstraint(
                condition=Q(gpu_seconds__gte=0) & Q(posted_seconds__gte=0), name="usage_daily_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.day}: {self.gpu_seconds}"


class UsageAlert(models.Model):
    """A grant crossed a threshold (80 or 100 % of its hours): written once, its emails queued on commit."""

    grant = models.ForeignKey(
        "allocations.Grant", on_delete=models.PROTECT, related_name="usage_alerts", verbose_name=_("grant")
    )
    threshold = models.PositiveSmallIntegerField(_("threshold (%)"), choices=[(t, f"{t} %") for t in ALERT_THRESHOLDS])
    used_seconds = models.BigIntegerField(_("used when crossed (GPU-seconds)"))
    granted_seconds = models.BigIntegerField(_("granted (GPU-seconds)"))
    usage_import = models.ForeignKey(
        UsageImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("import")
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage alert")
        verbose_name_plural = _("usage alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "threshold"], name="usage_alert_once_per_threshold"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.threshold} %"


class UsageReclaim(models.Model):
    """Unused GPU-seconds of a grant moved back to the next period's pool at the end of its period (once)."""

    grant = models.ForeignKey(
        "allocations.Grant", on_delete=models.PROTECT, related_name="reclaims", verbose_name=_("grant")
    )
    period = models.ForeignKey(
        "allocations.CapacityPeriod", on_delete=models.PROTECT, related_name="reclaims", verbose_name=_("period")
    )
    to_pool = models.ForeignKey(
        "allocations.Pool", on_delete=models.PROTECT, related_name="reclaims_in", verbose_name=_("to pool")
    )
    amount_seconds = models.BigIntegerField(_("reclaimed (GPU-seconds)"))
    transfer_id = models.UUIDField(_("ledger transfer"), null=True, blank=True)
    created_at = models.DateTimeField(_("reclaimed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage reclaim")
        verbose_name_plural = _("usage reclaims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "period"], name="usage_reclaim_once_per_period"),
            models.CheckConstraint(condition=Q(amount_seconds__gte=0), name="usage_reclaim_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.period_id}: {self.amount_seconds}"
