"""Allocation runs on real Celery workers and real PostgreSQL connections: end to end, two runs of one pool at
once, two commits at once, and a worker killed with SIGKILL in the middle of a run."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections

from allocations.applications.workflow import Status
from allocations.capacity import services
from allocations.capacity.tasks import execute_allocation_run
from allocations.models import Application
from allocations.models.capacity import AllocationResult, AllocationRun, Grant, RunStatus
from portal.celery import app as celery_app
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import TEST_QUEUE, queued_tasks, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
REFRESH = "allocations.dashboards.refresh_usage_summary"


def _status(run_id: int) -> str:
    return AllocationRun.objects.get(pk=run_id).status


def test_a_real_worker_runs_an_allocation_end_to_end(celery_worker, pool_setup, carol):
    pool = pool_setup["pool"]
    run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
    wait_for(lambda: _status(run.pk) == RunStatus.SUCCEEDED, timeout=30)
    assert AllocationResult.objects.filter(run=run).count() == 4
    services.run_commit(run_id=run.pk, by=carol)
    wait_for(lambda: len([m for m in mail.outbox if "offer" in m.subject.lower()]) >= 2, timeout=30)
    offers = [m for m in mail.outbox if "offer" in m.subject.lower()]
    first, _second, third, _fourth = pool_setup["apps"]
    assert sorted(m.to[0] for m in offers) == sorted([first.pi.email, third.pi.email])
    grants = {g.application_id: g for g in Grant.objects.select_related("account")}
    assert {k: g.granted_seconds for k, g in grants.items()} == {first.pk: 50_000 * HOUR, third.pk: 19_984 * HOUR}
    assert all(balance(g.account) == g.granted_seconds for g in grants.values())
    assert balance(pool.account) == 0
    assert_ledger_invariants()


def _in_thread(target, results: list, index: int, *args):
    def work():
        try:
            results[index] = target(*args)
        except Exception as exc:  # recorded for the assertions
            results[index] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_two_runs_of_one_pool_at_once_never_overlap(pool_setup, carol, monkeypatch):
    """Both runs are executed at the same moment on two connections, each pausing 0.5 s inside its computation:
    the pool's advisory lock makes the second wait until the first has stored its result."""
    monkeypatch.setenv(services.PAUSE_ENV, "0.5")
    runs = [AllocationRun.objects.create(pool=pool_setup["pool"], policy="rank_greedy", created_by=carol) for _ in "ab"]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def execute(run_id):
        barrier.wait()
        return services.run_execute(run_id=run_id)

    threads = [_in_thread(execute, results, i, run.pk) for i, run in enumerate(runs)]
    for thread in threads:
        thread.join(timeout=30)
    assert results == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
    first, second = sorted(AllocationRun.objects.filter(pk__in=[r.pk for r in runs]), key=lambda r: r.locked_at)
    assert first.finished_at <= second.locked_at, "the two computations overlapped"
    assert first.inputs_hash == second.inputs_hash
    assert AllocationResult.objects.count() == 8


def test_committing_two_runs_of_one_pool_at_once_grants_at_most_the_pool(pool_setup, carol):
    pool = pool_setup["pool"]
    runs = []
    for policy in ("rank_greedy", "proportional"):
        run = AllocationRun.objects.create(pool=pool, policy=policy, created_by=carol)
        services.run_execute(run_id=run.pk)
        runs.append(run)
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def commit(run_id):
        barrier.wait()
        return services.run_commit(run_id=run_id, by=carol)

    threads = [_in_thread(commit, results, i, run.pk) for i, run in enumerate(runs)]
    for thread in threads:
        thread.join(timeout=30)
    committed = [r for r in results if isinstance(r, AllocationRun)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(committed) == 1 and len(refused) == 1, results
    assert "changed since this run" in refused[0].messages[0]
    assert sum(Grant.objects.values_list("granted_seconds", flat=True)) <= pool.size_seconds
    assert set(Grant.objects.values_list("run_id", flat=True)) == {committed[0].pk}
    assert balance(pool.account) >= 0
    assert_ledger_invariants()


# --- the kill test ------------------------------------------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_worker(tmp_path, name: str, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PORTAL_TESTING": "1",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - our own celery executable and arguments
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "tests.allocations.capacity.killable_worker",
            "worker",
            "--pool",
            "solo",
            "-c",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
            "-Q",
            TEST_QUEUE,
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _pool_lock_held(pool_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND granted",
            [services.POOL_LOCK_CLASS, pool_id],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_run_leaves_one_result_and_one_set_of_grants(pool_setup, carol, tmp_path):
    """acks_late: the broker keeps the task until a worker finishes it. The first worker computes inside the pool
    lock, pauses (test hook) and is killed with SIGKILL; its transaction dies with its connection. A second worker,
    whose Redis visibility timeout is short, gets the task again, computes the run once; a duplicate delivery
    afterwards and a second commit change nothing."""
    pool = pool_setup["pool"]
    celery_app.control.purge()
    first = _start_worker(tmp_path, "first", **{services.PAUSE_ENV: "120", "KILL_TEST_VISIBILITY_TIMEOUT": "3600"})
    second = None
    try:
        run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
        wait_for(lambda: _status(run.pk) == RunStatus.RUNNING and _pool_lock_held(pool.pk), timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        wait_for(lambda: not _pool_lock_held(pool.pk), timeout=30)  # the dead worker's transaction rolled back
        assert _status(run.pk) == RunStatus.RUNNING
        assert not AllocationResult.objects.filter(run=run).exists()

        second = _start_worker(tmp_path, "second", KILL_TEST_VISIBILITY_TIMEOUT="2")
        wait_for(lambda: _status(run.pk) == RunStatus.SUCCEEDED, timeout=60)
        run.refresh_from_db()
        assert run.attempts == 2
        assert AllocationResult.objects.filter(run=run).count() == 4

        services.run_commit(run_id=run.pk, by=carol)
        assert execute_allocation_run.delay(run.pk).get(timeout=30) == RunStatus.COMMITTED  # a duplicate delivery
        with pytest.raises(ValidationError):
            services.run_commit(run_id=run.pk, by=carol)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        connections.close_all()
    assert AllocationResult.objects.filter(run=run).count() == 4
    assert Grant.objects.filter(run=run).count() == 2
    assert Grant.objects.count() == 2
    assert balance(pool.account) == 0
    assert set(Application.objects.filter(grants__isnull=False).values_list("status", flat=True)) == {Status.OFFERED}
    assert_ledger_invariants()


def test_a_committed_run_refreshes_the_dashboard_summary(celery_worker, pool_setup, carol):
    from allocations.models.dashboards import DashboardRefresh, GrantUsageSummary

    with queued_tasks() as queued:
        run = services.run_create(pool=pool_setup["pool"], policy="rank_greedy", by=carol)
        wait_for(lambda: _status(run.pk) == RunStatus.SUCCEEDED, timeout=30)
    assert REFRESH not in [name for name, _kw in queued]  # the what-if run changes nothing the summary shows
    with queued_tasks() as queued:
        services.run_commit(run_id=run.pk, by=carol)
    assert [name for name, _kw in queued].count(REFRESH) == 1
    wait_for(lambda: DashboardRefresh.objects.filter(trigger="run_commit").exists(), timeout=30)
    assert set(GrantUsageSummary.objects.values_list("grant_id", flat=True)) == set(
        Grant.objects.values_list("pk", flat=True)
    )
