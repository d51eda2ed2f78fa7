"""Runs whose whole worker was killed: the beat sweep queues them again (or fails them with a reason), and an
allocation admin can discard a run stuck in "running". Real worker subprocesses, SIGKILL, real PostgreSQL."""

import datetime as dt
import signal

import pytest
from django.db import connections
from django.utils import timezone

from allocations.capacity import services
from allocations.capacity.tasks import execute_allocation_run
from allocations.models.capacity import AllocationResult, AllocationRun, Grant, RunStatus
from portal.celery import app as celery_app
from tests.allocations.capacity.test_worker import _pool_lock_held, _start_worker, _status
from tests.conftest import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_run_whose_whole_worker_was_killed_is_swept_and_computed_once(pool_setup, carol, tmp_path):
    """The broker would hand the unacknowledged task on only after its one-hour visibility timeout; the sweep sees
    a run "running" with nobody holding its pool's lock and queues it again through the outbox."""
    pool = pool_setup["pool"]
    celery_app.control.purge()
    first = _start_worker(tmp_path, "first", **{services.PAUSE_ENV: "120", "KILL_TEST_VISIBILITY_TIMEOUT": "3600"})
    second = None
    try:
        run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
        wait_for(lambda: _status(run.pk) == RunStatus.RUNNING and _pool_lock_held(pool.pk), timeout=60)
        assert services.runs_sweep_stale(now=timezone.now() + dt.timedelta(minutes=5)) == {
            "requeued": 0,
            "failed": 0,
        }  # alive: it holds the pool's lock
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        wait_for(lambda: not _pool_lock_held(pool.pk), timeout=30)
        assert services.runs_sweep_stale() == {"requeued": 0, "failed": 0}  # not stale yet
        later = timezone.now() + services.RUNNING_STALE_AFTER + dt.timedelta(seconds=1)
        assert services.runs_sweep_stale(now=later) == {"requeued": 1, "failed": 0}

        second = _start_worker(tmp_path, "second", KILL_TEST_VISIBILITY_TIMEOUT="3600")
        wait_for(lambda: _status(run.pk) == RunStatus.SUCCEEDED, timeout=60)
        assert execute_allocation_run.delay(run.pk).get(timeout=30) == RunStatus.SUCCEEDED  # a late duplicate
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        connections.close_all()
    run.refresh_from_db()
    assert run.attempts == 2
    assert AllocationResult.objects.filter(run=run).count() == 4
    assert services.runs_sweep_stale(now=timezone.now() + dt.timedelta(hours=1)) == {"requeued": 0, "failed": 0}


def test_a_run_that_lost_its_worker_three_times_fails_with_the_reason(
    pool_setup, carol, django_capture_on_commit_callbacks
):
    run = AllocationRun.objects.create(pool=pool_setup["pool"], policy="rank_greedy", created_by=carol)
    AllocationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, attempts=services.MAX_ATTEMPTS, started_at=timezone.now()
    )
    with django_capture_on_commit_callbacks() as callbacks:
        counts = services.runs_sweep_stale(now=timezone.now() + dt.timedelta(minutes=3))
    assert counts == {"requeued": 0, "failed": 1}
    assert callbacks == []  # nothing queued again
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "stopped 3 times" in run.error


def test_an_admin_discards_a_stuck_run_and_a_late_delivery_grants_nothing(pool_setup, carol, carol_api, alice):
    run = AllocationRun.objects.create(pool=pool_setup["pool"], policy="rank_greedy", created_by=carol)
    AllocationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, attempts=1, started_at=timezone.now())
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(alice)
    assert other.post(f"/api/v1/allocation-runs/{run.pk}/discard/").status_code in (403, 404)
    response = carol_api.post(f"/api/v1/allocation-runs/{run.pk}/discard/")
    assert response.status_code == 200, response.content
    assert _status(run.pk) == RunStatus.DISCARDED
    assert services.run_execute(run_id=run.pk) == RunStatus.DISCARDED
    assert not AllocationResult.objects.filter(run=run).exists()
    assert not Grant.objects.exists()
