"""Imports of job records: the life cycle (upload, push, the Celery task) as a table of transitions. Parsing,
staging with COPY and the set-based merge (steps 1 and 2 of the pipeline described in ``allocations.usage.services``)
are in ``merge``."""

import logging
import uuid
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models.usage import (
    Cluster,
    ClusterToken,
    ImportFormat,
    ImportSource,
    ImportStatus,
    UsageImport,
    UsageImportEvent,
)
from allocations.usage import sacct, sacct_json, selectors
from allocations.usage.services._common import REFRESH_SUMMARY, _require_admin
from allocations.usage.services.merge import _ingest
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

MAX_PUSH_RECORDS = 10_000
MAX_UPLOAD_BYTES = 512 * 1024 * 1024

# The import life cycle as data: (status, action) -> new status.
TRANSITIONS: dict[tuple[ImportStatus, str], ImportStatus] = {
    (ImportStatus.QUEUED, "start"): ImportStatus.RUNNING,
    # a task redelivered after its worker died starts again from scratch (the merge is idempotent)
    (ImportStatus.RUNNING, "start"): ImportStatus.RUNNING,
    (ImportStatus.RUNNING, "succeed"): ImportStatus.SUCCEEDED,
    (ImportStatus.RUNNING, "fail"): ImportStatus.FAILED,
    (ImportStatus.QUEUED, "fail"): ImportStatus.FAILED,
}

# --- import life cycle ----------------------------------------------------------------------------------------------


def _transition(import_id: int, action: str, *, note: str = "", **fields) -> UsageImport | None:
    """Apply ``action`` under a row lock with an event row; ``None`` when the table does not allow it."""
    with transaction.atomic():
        usage_import = UsageImport.objects.select_for_update().get(pk=import_id)
        to = TRANSITIONS.get((ImportStatus(usage_import.status), action))
        if to is None:
            return None
        UsageImportEvent.objects.create(
            usage_import=usage_import, from_status=usage_import.status, to_status=to, note=note[:255]
        )
        usage_import.status = to
        for name, value in fields.items():
            setattr(usage_import, name, value)
        usage_import.save()
    return usage_import


def usage_import_create(*, cluster: Cluster, upload: UploadedFile, fmt: str = "", by: User) -> UsageImport:
    """An allocation admin uploads a sacct, ``sacct --json`` or CSV file for ``cluster``; a Celery task processes
    it after commit. ``fmt`` empty means "guess from the first line"."""
    _require_admin(by)
    if upload is None or not upload.size:
        raise ValidationError({"file": _("Choose a non-empty file.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 512 MB; split it.")})
    if not fmt:
        upload.seek(0)
        first = upload.readline(sacct.MAX_LINE_BYTES).decode("utf-8", errors="replace")
        upload.seek(0)
        fmt = sacct.sniff_format(first)
    if fmt not in (ImportFormat.SACCT, ImportFormat.CSV, ImportFormat.JSON):
        raise ValidationError({"format": _("Choose sacct, sacct --json or CSV.")})
    with transaction.atomic():
        usage_import = UsageImport(
            cluster=cluster,
            source=ImportSource.UPLOAD,
            format=fmt,
            original_name=(upload.name or "")[:255],
            created_by=by,
        )
        usage_import.file.save(f"{uuid.uuid4().hex}.txt", upload, save=False)
        usage_import.save()
        enqueue("allocations.usage.process_import", import_id=usage_import.pk)
    return usage_import


def _file_lines(handle, *, limit: int | None = sacct.MAX_LINE_BYTES) -> Iterator[str]:
    """The file's lines, decoded. A line longer than ``limit`` is read past in pieces and given as an
    ``OverlongLine`` (the parsers reject it): one line never has to fit in memory. ``None``: no limit (a JSON
    document is parsed whole anyway)."""
    if limit is None:
        with handle:
            for raw in handle:
                yield raw.decode("utf-8", errors="replace")
        return
    with handle:
        readline = handle.readline
        while raw := readline(limit + 1):
            if len(raw) > limit:  # the limit counts the line with its line break
                while raw and not raw.endswith(b"\n"):
                    raw = readline(limit)
                yield sacct.OverlongLine()
                continue
            yield raw.decode("utf-8", errors="replace")


def usage_import_process(*, import_id: int) -> str:
    """Process an uploaded import (the Celery task). Idempotent: a finished import is left alone; a retried one
    merges the same records again, which changes nothing. Returns the final status."""
    usage_import = _transition(import_id, "start", started_at=timezone.now())
    if usage_import is None:
        return UsageImport.objects.values_list("status", flat=True).get(pk=import_id)
    try:
        # opened here: a missing file fails before any SQL
        limit = None if usage_import.format == ImportFormat.JSON else sacct.MAX_LINE_BYTES
        lines = _file_lines(usage_import.file.open("rb"), limit=limit)
        report = _ingest(usage_import, sacct.copy_lines(usage_import.format, lines), progress=True)
    except Exception as exc:  # record the failure on the import instead of leaving it running
        logger.exception("usage import %s failed", import_id)
        _transition(import_id, "fail", note=str(exc)[:255], error=str(exc)[:2000], finished_at=timezone.now())
        return ImportStatus.FAILED
    _transition(import_id, "succeed", finished_at=timezone.now(), **report.fields())
    enqueue(REFRESH_SUMMARY, trigger="process_import")  # the merged usage changes the dashboards' summary
    return ImportStatus.SUCCEEDED


def usage_records_push(*, token: ClusterToken, records: object) -> UsageImport:
    """A cluster pushes a JSON batch of job records with its token; processed at once (one transaction for the
    merge). Records for Slurm accounts granted on another cluster's Gigafactory, or naming another cluster,
    are refused as a whole (``PermissionDenied``); unknown accounts are reported like bad rows."""
    if sacct_json.is_sacct_json(records):
        batch = records["jobs"]
    elif isinstance(records, list):
        batch = records
    else:
        raise ValidationError({"records": _("Send a list of records or the output of sacct --json.")})
    if not batch:
        raise ValidationError({"records": _("Send at least one record.")})
    if len(batch) > MAX_PUSH_RECORDS:
        raise ValidationError({"records": _("Send at most %(max)d records per request.") % {"max": MAX_PUSH_RECORDS}})
    cluster = token.cluster
    items = list(sacct_json.parse_json_document(records))
    accepted = [item for item in items if isinstance(item, sacct.JobRecord)]
    if any(item.cluster and item.cluster.lower() != cluster.name for item in accepted):
        raise PermissionDenied(_("This token can only send records of cluster %(name)s.") % {"name": cluster.name})
    accounts = {item.account for item in accepted}
    foreign = selectors.accounts_granted_elsewhere(accounts=accounts, gigafactory_id=cluster.gigafactory_id)
    if foreign:
        raise PermissionDenied(
            _("These Slurm accounts are not granted on cluster %(name)s: %(accounts)s.")
            % {"name": cluster.name, "accounts": ", ".join(sorted(foreign)[:10])}
        )
    usage_import = UsageImport.objects.create(
        cluster=cluster, source=ImportSource.API, format=ImportFormat.JSON, token=token
    )
    usage_import = _transition(usage_import.pk, "start", started_at=timezone.now())
    try:
        report = _ingest(usage_import, iter(items), progress=False)
    except Exception as exc:
        logger.exception("usage push %s failed", usage_import.pk)
        _transition(usage_import.pk, "fail", note=str(exc)[:255], error=str(exc)[:2000], finished_at=timezone.now())
        raise
    return _transition(usage_import.pk, "succeed", finished_at=timezone.now(), **report.fields())
