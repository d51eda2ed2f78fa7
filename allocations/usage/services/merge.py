"""Staging and merging of parsed job records: COPY into a temporary table, then one set-based merge into the usage
table and the daily summary under the cluster's advisory lock, with ledger usage and alerts for the grants touched."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from allocations.models.capacity import Grant, GrantStatus
from allocations.models.usage import (
    Cluster,
    UsageDaily,
    UsageImport,
    UsageRecord,
    UsageRecordRevision,
)
from allocations.usage import sacct
from allocations.usage.services.alerts import alerts_check
from allocations.usage.services.ledger import consumed_account, post_usage
from ledger.models import Account
from portal.sql import table

logger = logging.getLogger(__name__)

# First key of the two-key advisory lock on a cluster's merge ("GAPU"); the second key is the cluster id.
CLUSTER_LOCK_CLASS = 0x47415055
PROGRESS_EVERY = 50_000
COPY_LINES = 2_000  # COPY text lines sent to the server at once
# Grants whose records are charged: still running, or closed (late records of a closed grant are overuse).
CHARGEABLE = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)


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


def _merge(
    cursor, usage_import: UsageImport, cluster: Cluster, consumed: Account, report: Report, staged: int
) -> list[int]:
    """One set-based merge of ``usage_stage`` into the usage table and the daily summary. Returns the grants whose
    usage changed."""
    grant_table, record_table, revision_table = table(Grant), table(UsageRecord), table(UsageRecordRevision)
    daily_table, account_table = table(UsageDaily), table(Account)
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
        f"SELECT EXISTS (SELECT 1 FROM {grant_table} a JOIN {grant_table} b "  # noqa: S608 - table names from model metadata
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
    grants = f"SELECT g.id, g.slurm_account, g.starts_on, g.ends_on FROM {grant_table} g "  # noqa: S608 - table names from model metadata
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
        f"LEFT JOIN {record_table} r ON r.cluster_id = %s AND r.job_id = s.job_id "
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
        f"SELECT id FROM {account_table} WHERE id = ANY(ARRAY("  # noqa: S608 - table names from model metadata
        f" SELECT g.account_id FROM {grant_table} g WHERE (g.gigafactory_id = %s AND g.status = ANY(%s)"
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
            f'INSERT INTO {revision_table} (record_id, revision, grant_id, account, "user", start, '  # noqa: S608 - table names from model metadata
            '"end", day, elapsed_seconds, gpus, gpu_seconds, delta_seconds, replaced_by_id, replaced_at) '
            "SELECT old_id, old_revision, old_grant, old_account, old_user, old_start, old_end, old_day, "
            "old_elapsed, old_gpus, old_seconds, gpu_seconds - old_seconds, %s, %s "
            "FROM usage_changes WHERE old_id IS NOT NULL",
            [usage_import.pk, now],
        )
        cursor.execute(
            f"UPDATE {record_table} r SET grant_id = c.grant_id, account = c.account, "  # noqa: S608 - table names from model metadata
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
            f'INSERT INTO {record_table} (cluster_id, job_id, grant_id, account, "user", partition, state, '  # noqa: S608 - table names from model metadata
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
        f"UPDATE {daily_table} u SET gpu_seconds = u.gpu_seconds + d.seconds, jobs = u.jobs + d.jobs "  # noqa: S608 - table names from model metadata
        "FROM usage_daily_delta d WHERE u.grant_id = d.grant_id AND u.day = d.day"
    )
    cursor.execute(
        f"INSERT INTO {daily_table} (grant_id, day, gpu_seconds, posted_seconds, jobs) "  # noqa: S608 - table names from model metadata
        "SELECT d.grant_id, d.day, d.seconds, 0, d.jobs FROM usage_daily_delta d WHERE NOT EXISTS ("
        f" SELECT 1 FROM {daily_table} u WHERE u.grant_id = d.grant_id AND u.day = d.day) "
        "ORDER BY d.grant_id, d.day"
    )
    cursor.execute("SELECT DISTINCT grant_id FROM usage_daily_delta ORDER BY grant_id")
    return [row[0] for row in cursor.fetchall()]
