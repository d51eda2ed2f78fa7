"""Writes of usage accounting: clusters and tokens, imports of job records, ledger usage, alerts and reclaims.

Import pipeline (one import at a time per cluster; many clusters in parallel):

1. stream-parse the file (``allocations.sacct``, accepted records as COPY text lines) and ``COPY`` them into a
   temporary staging table (psycopg 3 ``cursor.copy()``), publishing progress as it goes;
2. in one transaction: take the cluster's advisory lock; in one statement resolve Slurm accounts to grants and
   keep the records that are new or differ from the stored ones; lock the ledger accounts of every grant involved
   (in id order); then the history of replaced records, an ``UPDATE`` of the replaced records and an ``INSERT`` of
   the new ones into the usage table, and the daily summary adjusted by the differences;
3. post each changed day to the GPU-second ledger (grant account -> the Gigafactory's "consumed" account) with
   transfer ids derived from the day and the amounts, so a re-run moves nothing twice; a grant's account is never
   overdrawn (use beyond 100 % stays in the summary, unposted, and is flagged);
4. write the 80/100 % alert rows (unique per grant and threshold) and queue their emails on commit.

Because the ledger accounts of a grant are locked before its totals are read, two imports that together cross a
threshold serialise: the second one sees the first one's usage and writes the alert; the unique row makes sure
no threshold is ever alerted twice.
"""

import contextlib
import datetime as dt
import logging
import secrets
import uuid
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations import capacity_services, sacct
from allocations import usage_selectors as selectors
from allocations.capacity_models import CapacityPeriod, Grant, GrantStatus, Pool, PoolKind
from allocations.capacity_services import gpu_ledger
from allocations.models import Application, Gigafactory
from allocations.usage_models import (
    ALERT_THRESHOLDS,
    Cluster,
    ClusterToken,
    ImportFormat,
    ImportSource,
    ImportStatus,
    UsageDaily,
    UsageImport,
    UsageImportEvent,
    UsageReclaim,
)
from ledger.engine import Result, TransferSpec
from ledger.models import Account, AccountCode, OwnerKind, TransferCode
from ledger.services import MAX_BATCH, transfers_create
from portal.emails import queue_templated_email

logger = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("0b7f9a52-3f0e-4c1d-8a55-2f4d7c9e1b63")
# First key of the two-key advisory lock on a cluster's merge ("GAPU"); the second key is the cluster id.
CLUSTER_LOCK_CLASS = 0x47415055
PROGRESS_EVERY = 50_000
COPY_LINES = 2_000  # COPY text lines sent to the server at once
MAX_PUSH_RECORDS = 10_000
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
# Grants whose records are charged: still running, or closed (late records of a closed grant are overuse).
CHARGEABLE = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)

# The import life cycle as data: (status, action) -> new status.
TRANSITIONS: dict[tuple[ImportStatus, str], ImportStatus] = {
    (ImportStatus.QUEUED, "start"): ImportStatus.RUNNING,
    # a task redelivered after its worker died starts again from scratch (the merge is idempotent)
    (ImportStatus.RUNNING, "start"): ImportStatus.RUNNING,
    (ImportStatus.RUNNING, "succeed"): ImportStatus.SUCCEEDED,
    (ImportStatus.RUNNING, "fail"): ImportStatus.FAILED,
    (ImportStatus.QUEUED, "fail"): ImportStatus.FAILED,
}


def _require_admin(user: User | None) -> None:
    if user is None or not selectors.is_allocation_admin(user):
        raise PermissionDenied(_("Only allocation admins can do this."))


def _transfer_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


# --- clusters and tokens ------------------------------------------------------------------------------------------


def cluster_create(*, name: str, gigafactory: Gigafactory, time_zone: str = "", by: User) -> Cluster:
    """An allocation admin registers a Slurm cluster of a Gigafactory (its ``sacct`` ClusterName)."""
    _require_admin(by)
    name = (name or "").strip().lower()
    time_zone = (time_zone or settings.TIME_ZONE).strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter the cluster's name.")
    elif Cluster.objects.filter(name=name).exists():
        errors["name"] = _("A cluster with this name exists already.")
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = _("Enter a time zone such as Europe/Brussels.")
    if errors:
        raise ValidationError(errors)
    return Cluster.objects.create(name=name, gigafactory=gigafactory, timezone=time_zone)


def cluster_token_create(*, cluster: Cluster, name: str, by: User) -> tuple[ClusterToken, str]:
    """A new push token for ``cluster``. Returns the token and its key, which is shown once and never stored."""
    _require_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the token (for example the host that pushes).")})
    key = "gapc_" + secrets.token_urlsafe(32)
    token = ClusterToken.objects.create(
        cluster=cluster, name=name[:100], key_prefix=key[:12], key_hash=ClusterToken.hash(key), created_by=by
    )
    return token, key


def cluster_token_revoke(*, token: ClusterToken, by: User) -> ClusterToken:
    _require_admin(by)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


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
    """An allocation admin uploads a sacct or CSV file for ``cluster``; a Celery task processes it after commit.
    ``fmt`` empty means "guess from the first line"."""
    _require_admin(by)
    if upload is None or not upload.size:
        raise ValidationError({"file": _("Choose a non-empty file.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 512 MB; split it.")})
    if not fmt:
        upload.seek(0)
        first = upload.readline().decode("utf-8", errors="replace")
        upload.seek(0)
        fmt = sacct.sniff_format(first)
    if fmt not in (ImportFormat.SACCT, ImportFormat.CSV):
        raise ValidationError({"format": _("Choose sacct or CSV.")})
    from allocations.usage_tasks import process_usage_import

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
        transaction.on_commit(lambda: process_usage_import.delay(usage_import.pk))
    return usage_import


def _file_lines(handle) -> Iterator[str]:
    with handle:
        for raw in handle:
            yield raw.decode("utf-8", errors="replace")


def usage_import_process(*, import_id: int) -> str:
    """Process an uploaded import (the Celery task). Idempotent: a finished import is left alone; a retried one
    merges the same records again, which changes nothing. Returns the final status."""
    usage_import = _transition(import_id, "start", started_at=timezone.now())
    if usage_import is None:
        return UsageImport.objects.values_list("status", flat=True).get(pk=import_id)
    try:
        lines = _file_lines(usage_import.file.open("rb"))  # opened here: a missing file fails before any SQL
        report = _ingest(usage_import, sacct.copy_lines(usage_import.format, lines), progress=True)
    except Exception as exc:  # record the failure on the import instead of leaving it running
        logger.exception("usage import %s failed", import_id)
        _transition(import_id, "fail", note=str(exc)[:255], error=str(exc)[:2000], finished_at=timezone.now())
        return ImportStatus.FAILED
    _transition(import_id, "succeed", finished_at=timezone.now(), **report.fields())
    return ImportStatus.SUCCEEDED


def usage_records_push(*, token: ClusterToken, records: object) -> UsageImport:
    """A cluster pushes a JSON batch of job records with its token; processed at once (one transaction for the
    merge). Records for Slurm accounts granted on another cluster's Gigafactory, or naming another cluster,
    are refused as a whole (``PermissionDenied``); unknown accounts are reported like bad rows."""
    if not isinstance(records, list):
        raise ValidationError({"records": _("Send a list of records.")})
    if not records:
        raise ValidationError({"records": _("Send at least one record.")})
    if len(records) > MAX_PUSH_RECORDS:
        raise ValidationError({"records": _("Send at most %(max)d records per request.") % {"max": MAX_PUSH_RECORDS}})
    cluster = token.cluster
    items = list(sacct.parse_json_records(records))
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


# --- parse and stage ------------------------------------------------------------------------------------------------


@dataclass
class Report:
    read: int = 0
    accepted: int = 0
    skipped: int = 0
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejects: list[list] = field(default_factory=list)

    def fields(self) -> dict:
        return {
            "rows_read": self.read,
            "rows_accepted": self.accepted,
            "rows_rejected": len(self.rejects),
            "rows_skipped": self.skipped,
            "rows_new": self.new,
            "rows_replaced": self.replaced,
            "rows_unchanged": self.unchanged,
            "rejects": sorted(self.rejects),
        }


STAGE_COLUMNS = 'line, cluster, job_id, account, "user", partition, state, start_at, end_at, elapsed, gpus'


def _stage(cursor, items: Iterator, report: Report, *, progress_of: int | None) -> int:
    """COPY the parsed records (``JobRecord`` or their COPY text lines) into ``usage_stage`` in chunks, publishing
    progress on the import between chunks (committed at once when the caller runs outside a transaction, as the
    Celery task does); count and collect the rest. Returns the number of rows staged."""
    cursor.execute("DROP TABLE IF EXISTS usage_stage")
    cursor.execute(
        'CREATE TEMP TABLE usage_stage (line integer, cluster text, job_id text, account text, "user" text, '
        "partition text, state text, start_at timestamptz, end_at timestamptz, elapsed bigint, gpus integer)"
    )
    staged = 0
    text_type, record_type, rejected_type = str, sacct.JobRecord, sacct.Rejected
    copy_line = sacct.copy_line
    rejects = report.rejects
    iterator = iter(items)
    while True:
        seen = skipped = rejected = 0
        chunk: list[str] = []
        # Sent from this thread: a writer thread (psycopg's QueuedLibpqWriter) fights the parser for the GIL and
        # made staging a million rows 0.8 s slower.
        with cursor.copy(f"COPY usage_stage ({STAGE_COLUMNS}) FROM STDIN") as copy:
            for item in iterator:
                seen += 1
                kind = type(item)
                if kind is text_type:
                    chunk.append(item)
                    if len(chunk) >= COPY_LINES:
                        copy.write("".join(chunk))
                        chunk.clear()
                elif kind is record_type:
                    chunk.append(copy_line(item))
                elif kind is rejected_type:
                    rejects.append([item.line, item.reason, item.detail])
                    rejected += 1
                else:
                    skipped += 1
                if seen >= PROGRESS_EVERY:
                    break
            if chunk:
                copy.write("".join(chunk))
        staged += seen - skipped - rejected
        report.skipped += skipped
        report.read += seen
        if progress_of is not None:
            UsageImport.objects.filter(pk=progress_of).update(
                rows_read=report.read, rows_rejected=len(rejects), rows_skipped=report.skipped
            )
        if seen < PROGRESS_EVERY:
            return staged


# --- the merge ------------------------------------------------------------------------------------------------------


def _ingest(usage_import: UsageImport, items: Iterator[sacct.Item], *, progress: bool) -> Report:
    report = Report()
    cluster = usage_import.cluster
    consumed = consumed_account(gigafactory_id=cluster.gigafactory_id)
    connection.ensure_connection()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor: COPY support
        # Times without an offset are the cluster's local time: let PostgreSQL read them in that zone.
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [cluster.timezone])
        try:
            staged = _stage(cursor, items, report, progress_of=usage_import.pk if progress else None)
        finally:
            with contextlib.suppress(psycopg.Error):
                cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
        try:
            if staged:
                with transaction.atomic():
                    touched = _merge(cursor, usage_import, cluster, consumed, report, staged)
                    post_usage(grant_ids=touched)
                    alerts_check(grant_ids=touched, usage_import=usage_import)
        finally:
            with contextlib.suppress(psycopg.Error):  # an aborted transaction drops it on rollback anyway
                cursor.execute("DROP TABLE IF EXISTS usage_stage")
    return report


def consumed_account(*, gigafactory_id: int) -> Account:
    """Where a Gigafactory's used GPU-seconds go: its credit balance is all the compute its grants consumed."""
    account, _created = Account.objects.get_or_create(
        ledger=gpu_ledger(),
        code=AccountCode.OPERATOR,
        partner=None,
        tranche=None,
        owner_ref=f"consumed:gigafactory:{gigafactory_id}",
        defaults={"owner_kind": OwnerKind.SYSTEM, "name": f"Gigafactory {gigafactory_id}: compute consumed"},
    )
    return account


def _merge(
    cursor, usage_import: UsageImport, cluster: Cluster, consumed: Account, report: Report, staged: int
) -> list[int]:
    """One set-based merge of ``usage_stage`` into the usage table and the daily summary. Returns the grants whose
    usage changed."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CLUSTER_LOCK_CLASS, cluster.pk])
    # A re-runnable import: losing its commit in a server crash loses nothing that a re-run does not redo.
    cursor.execute("SET LOCAL synchronous_commit TO OFF")
    # Sorts and hashes of a million staged rows fit in memory; compiling them to machine code does not pay.
    cursor.execute("SET LOCAL work_mem TO '256MB'")
    cursor.execute("SET LOCAL jit TO OFF")
    # ON COMMIT DROP tables outlive a savepoint: drop leftovers of an earlier merge in the same outer transaction.
    cursor.execute("DROP TABLE IF EXISTS usage_changes, usage_daily_delta")
    cursor.execute("ANALYZE usage_stage")
    chargeable = [str(s) for s in CHARGEABLE]
    # Grants of the Gigafactory whose windows overlap for one Slurm account: a record could match two of them.
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM allocations_grant a JOIN allocations_grant b "
        "ON a.slurm_account = b.slurm_account AND a.id < b.id AND a.starts_on < b.ends_on AND b.starts_on < a.ends_on "
        "WHERE a.gigafactory_id = %s AND b.gigafactory_id = %s AND a.status = ANY(%s) AND b.status = ANY(%s))",
        [cluster.gigafactory_id, cluster.gigafactory_id, chargeable, chargeable],
    )
    overlapping = cursor.fetchone()[0]
    # Most files name each job once: then the last-line-wins sort is not needed.
    cursor.execute("SELECT count(DISTINCT job_id) FROM usage_stage")
    jobs = cursor.fetchone()[0]
    report.skipped += staged - jobs  # earlier lines of a job sent twice in one file
    if jobs == staged:
        rows = f"SELECT {STAGE_COLUMNS}, (end_at AT TIME ZONE %s)::date AS day FROM usage_stage"  # noqa: S608
    else:
        rows = (
            f"SELECT DISTINCT ON (job_id) {STAGE_COLUMNS}, (end_at AT TIME ZONE %s)::date AS day "  # noqa: S608
            "FROM usage_stage ORDER BY job_id, line DESC"
        )
    # The grant of a record: its Slurm account's grant of the Gigafactory whose period holds the day (none for
    # records of another cluster). Without overlapping grants that is a join with the Gigafactory's grants; with
    # them, one of the matching grants.
    matches = (
        "g.slurm_account = s.account AND s.day >= g.starts_on AND s.day < g.ends_on "
        "AND (s.cluster = '' OR lower(s.cluster) = %s)"
    )
    grants = "SELECT g.id, g.slurm_account, g.starts_on, g.ends_on FROM allocations_grant g "
    grants += "WHERE g.gigafactory_id = %s AND g.status = ANY(%s)"
    if overlapping:
        grant_join = f"LEFT JOIN LATERAL ({grants} AND {matches} ORDER BY g.id LIMIT 1) AS g ON true"
    else:
        grant_join = f"LEFT JOIN ({grants}) AS g ON {matches}"
    # The last line of a job wins when a file holds it twice; the day is the day it ended, in the portal's zone.
    # Kept: the records without a grant (rejected below), the new ones and those that differ from the stored
    # record. Only imports of this cluster write its records, and they hold its advisory lock: what is read here
    # stays true until the commit.
    cursor.execute(
        "CREATE TEMP TABLE usage_changes ON COMMIT DROP AS "  # noqa: S608 (constant fragments)
        "SELECT s.*, g.id AS grant_id, s.gpus::bigint * s.elapsed AS gpu_seconds, r.id AS old_id, "
        "r.revision AS old_revision, r.grant_id AS old_grant, r.account AS old_account, r.user AS old_user, "
        "r.start AS old_start, r.end AS old_end, r.day AS old_day, r.elapsed_seconds AS old_elapsed, "
        f"r.gpus AS old_gpus, r.gpu_seconds AS old_seconds FROM ({rows}) AS s {grant_join} "
        "LEFT JOIN allocations_usagerecord r ON r.cluster_id = %s AND r.job_id = s.job_id "
        "WHERE g.id IS NULL OR r.id IS NULL OR (r.grant_id, r.account, r.user, r.partition, r.state, r.start, "
        'r.end, r.elapsed_seconds, r.gpus) IS DISTINCT FROM (g.id, s.account, s."user", s.partition, s.state, '
        "s.start_at, s.end_at, s.elapsed, s.gpus)",
        [settings.TIME_ZONE, cluster.gigafactory_id, chargeable, cluster.name, cluster.pk],
    )
    kept = cursor.rowcount
    cursor.execute(
        "SELECT line, cluster, account, day, cluster <> '' AND lower(cluster) <> %s FROM usage_changes "
        "WHERE grant_id IS NULL",
        [cluster.name],
    )
    unresolved = cursor.fetchall()
    for line, other, account, day, wrong_cluster in unresolved:
        if wrong_cluster:
            reason, detail = sacct.Reason.WRONG_CLUSTER, f"the row is for cluster {other[:64]!r}, not {cluster.name!r}"
        else:
            reason, detail = sacct.Reason.UNKNOWN_ACCOUNT, f"no grant for Slurm account {account[:64]!r} on {day}"
        report.rejects.append([line, reason, detail])
    if unresolved:
        cursor.execute("DELETE FROM usage_changes WHERE grant_id IS NULL")
    report.accepted = jobs - len(unresolved)
    changed = kept - len(unresolved)
    # Lock the ledger accounts of every grant involved (the grants of the file's Slurm accounts, which hold the
    # records' new grants and an unchanged record's grant, and the previous grants of the changed records) and the
    # consumed account, in id order: imports touching the same grants serialise here, and never deadlock.
    cursor.execute(
        "SELECT id FROM ledger_account WHERE id = ANY(ARRAY("
        " SELECT g.account_id FROM allocations_grant g WHERE (g.gigafactory_id = %s AND g.status = ANY(%s)"
        "  AND g.slurm_account IN (SELECT DISTINCT account FROM usage_stage))"
        "  OR g.id IN (SELECT old_grant FROM usage_changes)"
        ") || %s::bigint) ORDER BY id FOR UPDATE",
        [cluster.gigafactory_id, chargeable, consumed.pk],
    )
    cursor.execute("SELECT count(*) FILTER (WHERE old_id IS NULL), count(old_id) FROM usage_changes")
    report.new, report.replaced = cursor.fetchone()
    report.unchanged = report.accepted - changed
    if not changed:
        return []
    now = timezone.now()
    if report.replaced:
        cursor.execute(
            'INSERT INTO allocations_usagerecordrevision (record_id, revision, grant_id, account, "user", start, '
            '"end", day, elapsed_seconds, gpus, gpu_seconds, delta_seconds, replaced_by_id, replaced_at) '
            "SELECT old_id, old_revision, old_grant, old_account, old_user, old_start, old_end, old_day, "
            "old_elapsed, old_gpus, old_seconds, gpu_seconds - old_seconds, %s, %s "
            "FROM usage_changes WHERE old_id IS NOT NULL",
            [usage_import.pk, now],
        )
        cursor.execute(
            "UPDATE allocations_usagerecord r SET grant_id = c.grant_id, account = c.account, "
            '"user" = c."user", partition = c.partition, state = c.state, start = c.start_at, "end" = c.end_at, '
            "day = c.day, elapsed_seconds = c.elapsed, gpus = c.gpus, gpu_seconds = c.gpu_seconds, "
            "revision = r.revision + 1, usage_import_id = %s, updated_at = %s "
            "FROM usage_changes c WHERE c.old_id IS NOT NULL AND r.id = c.old_id",
            [usage_import.pk, now],
        )
    if report.new:
        # No record of these jobs existed when the changes were read, and none can appear before the commit.
        # The table's references are checked once for the whole statement by its trigger (migration 0009).
        cursor.execute(
            'INSERT INTO allocations_usagerecord (cluster_id, job_id, grant_id, account, "user", partition, state, '
            'start, "end", day, elapsed_seconds, gpus, gpu_seconds, revision, usage_import_id, updated_at) '
            'SELECT %s, job_id, grant_id, account, "user", partition, state, start_at, end_at, day, elapsed, gpus, '
            "gpu_seconds, 1, %s, %s FROM usage_changes WHERE old_id IS NULL",
            [cluster.pk, usage_import.pk, now],
        )
    # The daily summary moves by the differences: + the new values, - the replaced ones.
    cursor.execute(
        "CREATE TEMP TABLE usage_daily_delta ON COMMIT DROP AS "
        "SELECT grant_id, day, sum(seconds)::bigint AS seconds, sum(jobs)::integer AS jobs FROM ("
        " SELECT grant_id, day, gpu_seconds AS seconds, 1 AS jobs FROM usage_changes"
        " UNION ALL SELECT old_grant, old_day, -old_seconds, -1 FROM usage_changes WHERE old_id IS NOT NULL"
        ") AS d GROUP BY grant_id, day"
    )
    # The grants' accounts are locked, so no other import changes these rows meanwhile.
    cursor.execute(
        "UPDATE allocations_usagedaily u SET gpu_seconds = u.gpu_seconds + d.seconds, jobs = u.jobs + d.jobs "
        "FROM usage_daily_delta d WHERE u.grant_id = d.grant_id AND u.day = d.day"
    )
    cursor.execute(
        "INSERT INTO allocations_usagedaily (grant_id, day, gpu_seconds, posted_seconds, jobs) "
        "SELECT d.grant_id, d.day, d.seconds, 0, d.jobs FROM usage_daily_delta d WHERE NOT EXISTS ("
        " SELECT 1 FROM allocations_usagedaily u WHERE u.grant_id = d.grant_id AND u.day = d.day) "
        "ORDER BY d.grant_id, d.day"
    )
    cursor.execute("SELECT DISTINCT grant_id FROM usage_daily_delta ORDER BY grant_id")
    return [row[0] for row in cursor.fetchall()]


# --- ledger ---------------------------------------------------------------------------------------------------------


def post_usage(*, grant_ids: Iterable[int]) -> int:
    """Mirror the daily summary of ``grant_ids`` into the GPU-second ledger, inside the caller's transaction.

    For each day whose usage differs from what was posted: a usage transfer (grant -> consumed) for an increase,
    capped at what the grant account still holds (it may not be overdrawn; the rest is overuse), or a reversal
    (consumed -> grant) for a decrease. Ids derive from (grant, day, posted before, posted after), so a replayed
    posting is a no-op in the ledger. Returns the number of transfers written.
    """
    grant_ids = sorted(set(grant_ids))
    if not grant_ids:
        return 0
    grants = Grant.objects.only("pk", "account_id", "gigafactory_id").in_bulk(grant_ids)
    locked = Account.objects.select_for_update().filter(pk__in=[g.account_id for g in grants.values()])
    accounts = {a.pk: a for a in locked.order_by("pk")}
    consumed_by_gf: dict[int, Account] = {}
    ledger_id = gpu_ledger().pk
    specs: list[TransferSpec] = []
    updates: list[tuple[int, int]] = []
    days = (
        UsageDaily.objects.filter(grant_id__in=grant_ids)
        .order_by("grant_id", "day")
        .values_list("pk", "grant_id", "day", "gpu_seconds", "posted_seconds")
    )
    by_grant: dict[int, list[tuple]] = {}
    for row in days:
        if row[3] != row[4]:
            by_grant.setdefault(row[1], []).append(row)
    for grant_id, rows in by_grant.items():
        grant = grants[grant_id]
        account = accounts[grant.account_id]
        target = consumed_by_gf.get(grant.gigafactory_id)
        if target is None:
            target = consumed_by_gf[grant.gigafactory_id] = consumed_account(gigafactory_id=grant.gigafactory_id)
        available = account.credits_posted - account.debits_posted - account.debits_pending
        # decreases first: they free hours for the increases
        for pk, _grant, day, used, posted in sorted(rows, key=lambda r: (r[3] >= r[4], r[2])):
            delta = used - posted
            if delta < 0:
                amount, debit, credit, code = -delta, target.pk, account.pk, TransferCode.REVERSAL
            else:
                amount = min(delta, max(available, 0))
                debit, credit, code = account.pk, target.pk, TransferCode.USAGE
            if amount <= 0:
                continue
            after = posted - amount if delta < 0 else posted + amount
            available += amount if delta < 0 else -amount
            specs.append(
                TransferSpec(
                    id=_transfer_id(f"usage:{grant_id}:{day.isoformat()}:{posted}:{after}"),
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount=amount,
                    ledger_id=ledger_id,
                    code=code,
                    user_data=f"usage grant {grant_id} {day.isoformat()}",
                )
            )
            updates.append((pk, after))
    for start in range(0, len(specs), MAX_BATCH):
        for outcome in transfers_create(transfers=specs[start : start + MAX_BATCH], by=None):
            if outcome.result not in (Result.OK, Result.EXISTS):
                raise ValidationError(_("The ledger refused a usage transfer (%(code)s).") % {"code": outcome.result})
    if updates:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE allocations_usagedaily u SET posted_seconds = d.posted FROM unnest(%s::bigint[], %s::bigint[]) "
                "AS d(id, posted) WHERE u.id = d.id",
                [[u[0] for u in updates], [u[1] for u in updates]],
            )
    return len(specs)


# --- alerts ---------------------------------------------------------------------------------------------------------


def alerts_check(*, grant_ids: Iterable[int], usage_import: UsageImport | None = None) -> list[tuple[int, int]]:
    """Write the 80/100 % alert rows the grants' usage has reached and queue their emails on commit. Call it inside
    the transaction that changed the usage, after the grants' ledger accounts are locked. A threshold is alerted
    at most once per grant (unique row; a concurrent writer waits for ours and then inserts nothing).
    Returns the ``(grant id, threshold)`` pairs alerted now."""
    grant_ids = sorted(set(grant_ids))
    if not grant_ids:
        return []
    totals = selectors.used_seconds_by_grant(grant_ids=grant_ids)
    grants = {g.pk: g for g in Grant.objects.filter(pk__in=grant_ids).only("pk", "granted_seconds")}
    candidates = []
    for grant_id in grant_ids:
        used, granted = totals.get(grant_id, 0), grants[grant_id].granted_seconds
        for threshold in ALERT_THRESHOLDS:
            if used * 100 >= threshold * granted:
                candidates.append((grant_id, threshold, used, granted))
    if not candidates:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO allocations_usagealert (grant_id, threshold, used_seconds, granted_seconds, usage_import_id, "
            "created_at) SELECT g, t, u, q, %s, now() FROM unnest(%s::bigint[], %s::int[], %s::bigint[], %s::bigint[]) "
            "AS c(g, t, u, q) ON CONFLICT (grant_id, threshold) DO NOTHING RETURNING grant_id, threshold",
            [
                usage_import.pk if usage_import else None,
                [c[0] for c in candidates],
                [c[1] for c in candidates],
                [c[2] for c in candidates],
                [c[3] for c in candidates],
            ],
        )
        alerted = sorted(cursor.fetchall())
    used_by_grant = {c[0]: c[2] for c in candidates}
    for grant_id, threshold in alerted:
        _queue_alert_emails(grant_id=grant_id, threshold=threshold, used=used_by_grant[grant_id])
    return alerted


def _grant_url(grant_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("grant_usage", kwargs={"pk": grant_id})


def _queue_alert_emails(*, grant_id: int, threshold: int, used: int) -> None:
    grant = Grant.objects.select_related("application__pi", "gigafactory", "period").get(pk=grant_id)
    context = {
        "grant": grant,
        "application": grant.application,
        "threshold": threshold,
        "used_hours": selectors.hours(used),
        "granted_hours": selectors.hours(grant.granted_seconds),
        "url": _grant_url(grant_id),
    }
    queue_templated_email(
        to=selectors.grant_recipients(grant=grant), template="allocations/usage/email/threshold", context=context
    )
    if threshold >= 100:
        # Use beyond the grant is recorded, never stopped: the allocation admins decide what to do.
        queue_templated_email(
            to=selectors.allocation_admin_emails(), template="allocations/usage/email/overuse", context=context
        )


# --- reclaim --------------------------------------------------------------------------------------------------------


def next_pool(*, grant: Grant) -> Pool | None:
    """The pool of the next period of the grant's Gigafactory that matches the grant's pool (same access mode or
    partner); ``None`` while that period is not split into pools yet."""
    period = grant.period
    following = (
        CapacityPeriod.objects.filter(gigafactory_id=period.gigafactory_id, starts_on__gte=period.ends_on)
        .order_by("starts_on")
        .first()
    )
    if following is None:
        return None
    pools = Pool.objects.filter(period=following, kind=grant.pool.kind).select_related("account")
    if grant.pool.kind == PoolKind.OPEN_ACCESS:
        return pools.filter(access_mode_id=grant.pool.access_mode_id).first()
    return pools.filter(partner_id=grant.pool.partner_id).first()


def grant_reclaim(*, grant_id: int, today: dt.date | None = None, by: User | None = None) -> UsageReclaim | None:
    """Move a grant's unused GPU-seconds of its (ended) period to the next period's matching pool, close the grant
    and queue a notice to its PI. Once per grant and period: under the grant's row lock, a second call (or a
    concurrent one) finds the reclaim row and does nothing; the transfer id is derived from grant and period.
    Returns the reclaim, or ``None`` when there was nothing to do or no next pool exists yet (retried later).
    ``by`` is an allocation admin, or ``None`` for the beat job."""
    if by is not None:
        _require_admin(by)
    today = today or timezone.localdate()
    with transaction.atomic():
        grant = Grant.objects.select_for_update(of=("self",)).select_related("period", "pool").get(pk=grant_id)
        # Grant first, then its application: the order of every grant change (capacity_services._lock_grant).
        application = (
            Application.objects.select_for_update(of=("self",)).select_related("pi").get(pk=grant.application_id)
        )
        if grant.period.ends_on > today:
            raise ValidationError(_("The period of this grant has not ended yet."))
        if UsageReclaim.objects.filter(grant=grant, period=grant.period).exists():
            return None
        if grant.status not in (GrantStatus.ACTIVE, GrantStatus.ACCEPTED):
            return None
        target = next_pool(grant=grant)
        if target is None:
            logger.info("grant %s: no pool in the next period yet; reclaim waits", grant.pk)
            return None
        account = Account.objects.select_for_update().get(pk=grant.account_id)
        unused = max(account.credits_posted - account.debits_posted - account.debits_pending, 0)
        transfer_id = _transfer_id(f"reclaim:{grant.pk}:{grant.period_id}") if unused else None
        if unused:
            results = transfers_create(
                transfers=[
                    TransferSpec(
                        id=transfer_id,
                        debit_account_id=account.pk,
                        credit_account_id=target.account_id,
                        amount=unused,
                        ledger_id=account.ledger_id,
                        code=TransferCode.RECLAIM,
                        user_data=f"reclaim grant {grant.pk} period {grant.period_id}",
                    )
                ],
                by=by,
            )
            if results[0].result is not Result.OK:
                raise ValidationError(_("The ledger refused the reclaim (%(code)s).") % {"code": results[0].result})
        reclaim = UsageReclaim.objects.create(
            grant=grant, period=grant.period, to_pool=target, amount_seconds=unused, transfer_id=transfer_id
        )
        if grant.ends_on <= today:
            capacity_services.grant_close(grant, application)
        if application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="allocations/usage/email/reclaim",
                context={
                    "grant": grant,
                    "application": application,
                    "reclaimed_hours": selectors.hours(unused),
                    "url": _grant_url(grant.pk),
                },
            )
    return reclaim


def reclaim_ended_periods(*, today: dt.date | None = None, by: User | None = None) -> int:
    """Beat job: reclaim every active (or accepted) grant of every period that has ended. One transaction per
    grant. Returns how many grants were reclaimed now."""
    if by is not None:
        _require_admin(by)
    today = today or timezone.localdate()
    done = 0
    for grant_id in selectors.grants_to_reclaim(today=today):
        if grant_reclaim(grant_id=grant_id, today=today, by=by) is not None:
            done += 1
    return done
