"""An upload whose worker process is killed mid-import: the task is delivered again and the records count once;
an import left behind anyway is swept by the beat task. Real prefork worker subprocess, SIGKILL, PostgreSQL."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from allocations.models.usage import ImportStatus, UsageImport, UsageImportEvent, UsageRecord
from allocations.usage import services
from portal.celery import app as celery_app
from portal.models import OutboxMessage
from tests.allocations.usage.conftest import HOUR, assert_ledger_invariants, balance
from tests.allocations.usage.test_import import jobs
from tests.conftest import TEST_QUEUE, wait_for
from tests.factories import sacct_upload

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]


def _connection_string() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    return f"host={host} port={db.get('PORT') or 5432} user={db['USER']} dbname={db['NAME']}"


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_prefork_worker(tmp_path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_TESTING": "1",
        "PYTHONPATH": str(ROOT),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - our own celery executable and arguments
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "portal.celery",
            "worker",
            "--pool",
            "prefork",
            "-c",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            TEST_QUEUE,
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _merge_waiters(cluster_id: int) -> list[int]:
    """Backends waiting for the cluster's merge lock (held by the test)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND NOT granted",
            [services.CLUSTER_LOCK_CLASS, cluster_id],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_killed_worker_child_gives_the_import_to_the_next_child_and_records_count_once(
    grant, cluster, carol, tmp_path
):
    """The test holds the cluster's merge lock, so the import waits inside the task; its pool child is killed with
    SIGKILL. acks_late with reject_on_worker_lost puts the task back; the next child merges the 50 records once."""
    celery_app.control.purge()
    holder = psycopg.connect(_connection_string(), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s, %s)", [services.CLUSTER_LOCK_CLASS, cluster.pk])
    worker = _start_prefork_worker(tmp_path)
    try:
        usage_import = services.usage_import_create(cluster=cluster, upload=sacct_upload(jobs(grant, 50)), by=carol)
        first_waiter = wait_for(lambda: _merge_waiters(cluster.pk), timeout=60)[0]
        assert UsageImport.objects.get(pk=usage_import.pk).status == ImportStatus.RUNNING
        (child,) = psutil.Process(worker.pid).children()
        child.send_signal(signal.SIGKILL)
        wait_for(lambda: [pid for pid in _merge_waiters(cluster.pk) if pid != first_waiter], timeout=60)
        holder.execute("SELECT pg_advisory_unlock(%s, %s)", [services.CLUSTER_LOCK_CLASS, cluster.pk])
        wait_for(lambda: UsageImport.objects.get(pk=usage_import.pk).status == ImportStatus.SUCCEEDED, timeout=60)
    finally:
        holder.close()
        worker.terminate()
        worker.wait(timeout=30)
        connections.close_all()
    assert UsageRecord.objects.count() == 50
    assert balance(grant.account) == grant.granted_seconds - 50 * 4 * HOUR
    assert UsageImportEvent.objects.filter(usage_import=usage_import, to_status=ImportStatus.RUNNING).count() == 2
    assert_ledger_invariants()


def test_the_sweep_queues_a_stuck_upload_again_and_fails_it_after_three_starts(grant, cluster, carol):
    usage_import = services.usage_import_create(cluster=cluster, upload=sacct_upload(jobs(grant, 5)), by=carol)
    services.usage_import_process(import_id=usage_import.pk)  # a first, finished import is left alone
    stuck = services.usage_import_create(cluster=cluster, upload=sacct_upload(jobs(grant, 5, first=10)), by=carol)
    services.imports._transition(stuck.pk, "start", started_at=timezone.now())  # as a worker that then died
    assert services.usage_imports_sweep_stuck() == {"requeued": 0, "failed": 0}  # within the time limit
    later = timezone.now() + dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    assert services.usage_imports_sweep_stuck(now=later) == {"requeued": 1, "failed": 0}
    queued = OutboxMessage.objects.filter(task="allocations.usage.process_import", kwargs={"import_id": stuck.pk})
    assert queued.count() == 2  # the upload's message and the sweep's, both through the outbox
    services.imports._transition(stuck.pk, "start", started_at=timezone.now())
    services.imports._transition(stuck.pk, "start", started_at=timezone.now())
    assert services.usage_imports_sweep_stuck(now=later + dt.timedelta(hours=1)) == {"requeued": 0, "failed": 1}
    stuck.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED
    assert "stopped 3 times" in stuck.error
    assert UsageImport.objects.get(pk=usage_import.pk).status == ImportStatus.SUCCEEDED
