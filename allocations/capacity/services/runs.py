"""Allocation runs of an open-access pool: queued, computed under the pool's advisory lock, then committed
into offers or discarded."""

import logging
import os
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.services import applications_transition
from allocations.applications.workflow import Action
from allocations.capacity import selectors
from allocations.capacity.services._common import REFRESH_SUMMARY, _require_admin
from allocations.capacity.services.awards import award_totals, awards_from_run
from allocations.capacity.solver import Policy, Request, allocate
from allocations.models.capacity import AllocationResult, AllocationRun, Outcome, Pool, PoolKind, RunStatus
from portal.outbox import enqueue
from portal.text import inline_label

logger = logging.getLogger(__name__)

OFFER_DAYS = 14

# First key of the two-key advisory lock on a pool ("GAP1"); the second key is the pool's id.
POOL_LOCK_CLASS = 0x47415031
# A queued run no worker picked up in this time, or a running one whose computation no longer holds the pool's
# lock for this long, lost its worker: the sweep queues it again (or fails it after MAX_ATTEMPTS).
QUEUED_STALE_AFTER = timezone.timedelta(minutes=10)
RUNNING_STALE_AFTER = timezone.timedelta(minutes=2)
MAX_ATTEMPTS = 3
# Test hook: seconds a run pauses between computing and storing its result (only when PORTAL_TESTING is set).
PAUSE_ENV = "ALLOCATION_RUN_PAUSE_SECONDS"


def lock_pool(pool_id: int) -> None:
    """Take the pool's advisory lock until the end of the current transaction (waits for the holder)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [POOL_LOCK_CLASS, pool_id])


# --- allocation runs ----------------------------------------------------------------------------------------------


RUN_TASK = "allocations.capacity.execute_allocation_run"


def run_create(*, pool: Pool, policy: str, by: User) -> AllocationRun:
    """Queue a what-if run of an open-access pool; the Celery task computes it after commit."""
    return run_create_row(pool=pool, policy=policy, by=by, fills_waitlist=False, task=RUN_TASK)


def run_create_row(*, pool: Pool, policy: str, by: User, fills_waitlist: bool, task: str) -> AllocationRun:
    """A queued run of an open-access pool and its task in the outbox (``run_create`` and the waitlist fill)."""
    _require_admin(by)
    if policy not in {p.value for p in Policy}:
        raise ValidationError({"policy": _("Choose a policy.")})
    if pool.kind != PoolKind.OPEN_ACCESS:
        raise ValidationError(
            {"pool": _("Runs allocate open-access pools; partner pools are shared out by their partner.")}
        )
    with transaction.atomic():
        run = AllocationRun.objects.create(pool=pool, policy=policy, created_by=by, fills_waitlist=fills_waitlist)
        enqueue(task, run_id=run.pk)
    return run


def _pause_for_tests() -> None:
    if settings.TESTING and os.environ.get(PAUSE_ENV):
        time.sleep(float(os.environ[PAUSE_ENV]))


def run_execute(*, run_id: int) -> str:
    """Compute a queued run (the Celery task). Idempotent: a run already computed, committed or discarded is left
    alone, so a duplicate or redelivered task changes nothing; a run left "running" by a worker that died is
    computed again from scratch (its first attempt's transaction was rolled back with the connection).

    The computation holds the pool's advisory lock, so two runs of one pool never overlap. Returns the status.
    """
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return run.status
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "attempts"])
    try:
        with transaction.atomic():
            lock_pool(run.pool_id)
            run = AllocationRun.objects.select_for_update().select_related("pool").get(pk=run_id)
            if run.status != RunStatus.RUNNING:
                return run.status  # a concurrent delivery finished it while we waited for the lock
            run.locked_at = timezone.now()
            snapshot, digest = selectors.inputs_snapshot(pool=run.pool, waitlist=run.fills_waitlist)
            requests = [
                Request(id=i, rank=r, requested=q, minimum=m, submitted=s)
                for i, r, q, m, s, *_project in snapshot["requests"]
            ]
            result = allocate(requests, snapshot["balance"], run.policy)
            _pause_for_tests()
            ranks = {row[0]: row[1] for row in snapshot["requests"]}
            totals = award_totals(snapshot["requests"], result.allocations, period=run.pool.period)
            AllocationResult.objects.bulk_create(
                (
                    AllocationResult(
                        run=run,
                        application_id=a.id,
                        position=a.position,
                        rank=ranks[a.id],
                        requested_seconds=a.requested,
                        minimum_seconds=a.minimum,
                        granted_seconds=a.granted,
                        outcome=Outcome.WAITLISTED
                        if a.waitlisted
                        else (Outcome.PARTIAL if a.partial else Outcome.FULL),
                        reason=a.reason.value,
                        available_seconds=a.available,
                        share_bp=a.share_bp,
                        award_seconds=totals[a.id],
                    )
                    for a in result.allocations
                ),
                batch_size=5000,
            )
            run.inputs, run.inputs_hash = snapshot, digest
            run.capacity_seconds = result.capacity
            run.granted_seconds = result.total_granted
            run.status = RunStatus.SUCCEEDED
            run.finished_at = timezone.now()
            run.save()
            return run.status
    except Exception as exc:  # a bug or bad data: record it on the run, never leave it "running" forever
        logger.exception("allocation run %s failed", run_id)
        AllocationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return RunStatus.FAILED


def _decided(run: AllocationRun, by: User) -> None:
    if run.status == RunStatus.COMMITTED:
        raise ValidationError(_("This run was already committed."))
    if run.status == RunStatus.DISCARDED:
        raise ValidationError(_("This run was discarded."))
    if run.status != RunStatus.SUCCEEDED:
        raise ValidationError(
            _("This run has no result to decide on yet (it is %(status)s).")
            % {"status": inline_label(RunStatus(run.status).label)}
        )


def run_commit(*, run_id: int, by: User, now=None, offer_days: int = OFFER_DAYS) -> AllocationRun:
    """Turn a computed run into offers, in one transaction: re-check that the pool balance and the candidate
    applications did not change since the run (else refuse: run the pool again), create one grant per granted
    application with its ledger account and a pool -> grant transfer, move the applications to "offered" and queue
    the offer emails after commit. Serialised with runs and other commits of the pool by its advisory lock;
    the ledger's no-overdraft flag on the pool account is the last guard."""
    _require_admin(by)
    now = now or timezone.now()
    pool_id = AllocationRun.objects.filter(pk=run_id).values_list("pool_id", flat=True).first()
    if pool_id is None:
        raise AllocationRun.DoesNotExist
    with transaction.atomic():
        # The pool lock first, then the run's row: the same order as run_execute, so the two never deadlock.
        lock_pool(pool_id)
        run = AllocationRun.objects.select_for_update(of=("self",)).select_related("pool__period").get(pk=run_id)
        _decided(run, by)
        pool = run.pool
        _snapshot, digest = selectors.inputs_snapshot(pool=pool, waitlist=run.fills_waitlist)
        if digest != run.inputs_hash:
            raise ValidationError(
                _(
                    "The pool or its approved applications changed since this run was computed (another run was "
                    "committed, an offer was declined or an application was approved). Discard it and run the pool "
                    "again."
                ),
                code="stale",
            )
        results = list(
            AllocationResult.objects.filter(run=run, granted_seconds__gt=0).values_list(
                "application_id", "granted_seconds", "award_seconds"
            )
        )
        projects = {row[0]: (row[6], row[7]) for row in run.inputs["requests"]}
        applications = applications_transition(
            application_ids=[r[0] for r in results], action=Action.OFFER, by=by, now=now
        )
        awards_from_run(
            run=run,
            applications=applications,
            results=results,
            projects=projects,
            now=now,
            respond_by=now + timezone.timedelta(days=offer_days),
            by=by,
        )
        run.status = RunStatus.COMMITTED
        run.decided_by, run.decided_at = by, now
        run.save(update_fields=["status", "decided_by", "decided_at"])
        enqueue("allocations.capacity.send_offer_emails", run_id=run.pk)
        enqueue(REFRESH_SUMMARY, trigger="run_commit")  # the new grants join the dashboards' summary
    return run


def run_discard(*, run_id: int, by: User) -> AllocationRun:
    """Set a run aside; it grants nothing. A queued or running run may be discarded too (one whose worker died,
    or that is no longer wanted): the computation re-reads the run under its row lock and stops."""
    _require_admin(by)
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (RunStatus.FAILED, RunStatus.QUEUED, RunStatus.RUNNING):
            _decided(run, by)
        run.status = RunStatus.DISCARDED
        run.decided_by, run.decided_at = by, timezone.now()
        run.save(update_fields=["status", "decided_by", "decided_at"])
    return run


def _pool_locked(pool_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s)",
            [POOL_LOCK_CLASS, pool_id],
        )
        return cursor.fetchone()[0]


def runs_sweep_stale(*, now=None) -> dict[str, int]:
    """Beat: find runs whose worker was lost and queue them again, or fail them with a reason after
    ``MAX_ATTEMPTS``. Stale means queued for ``QUEUED_STALE_AFTER`` without a worker starting it, or running for
    ``RUNNING_STALE_AFTER`` while nobody holds the pool's lock (a live computation holds it throughout). Returns
    ``{"requeued": n, "failed": m}``. Safe to run twice: each run is re-checked under its row lock, and a second
    delivery of a run's task changes nothing."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    candidates = AllocationRun.objects.filter(
        Q(status=RunStatus.QUEUED, created_at__lte=now - QUEUED_STALE_AFTER)
        | Q(status=RunStatus.RUNNING, started_at__lte=now - RUNNING_STALE_AFTER)
    ).values_list("pk", "pool_id", "fills_waitlist")
    for run_id, pool_id, fills_waitlist in candidates:
        with transaction.atomic():
            run = AllocationRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
            if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
                continue
            if run.status == RunStatus.RUNNING and _pool_locked(pool_id):
                continue  # computing, or waiting for another run of the pool
            if run.attempts >= MAX_ATTEMPTS:
                run.status = RunStatus.FAILED
                run.error = _("The worker computing this run stopped %(n)d times; run the pool again.") % {
                    "n": run.attempts
                }
                run.finished_at = now
                run.save(update_fields=["status", "error", "finished_at"])
                counts["failed"] += 1
                continue
            logger.warning("allocation run %s lost its worker (%s); queued again", run.pk, run.status)
            # A fill from the waitlist commits itself: it goes back to its own task.
            enqueue("allocations.capacity.fill_from_waitlist" if fills_waitlist else RUN_TASK, run_id=run.pk)
            counts["requeued"] += 1
    return counts
