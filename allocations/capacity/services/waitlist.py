"""The live waitlist: hours that came back to an open-access pool (declined or expired offers, reclaims) are
offered to the waitlist in rank order, with the solver rules of a run, by a run that commits itself."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from allocations.capacity.services.runs import run_commit, run_create_row, run_execute
from allocations.capacity.solver import Policy
from allocations.models.capacity import AllocationRun, Pool, RunStatus

FILL_TASK = "allocations.capacity.fill_from_waitlist"


def waitlist_fill(*, pool: Pool, by: User) -> AllocationRun:
    """An allocation admin fills ``pool`` from its waitlist: panel-waitlisted applications and approved ones without
    an award (a run could not fit them) are offered what the pool holds now, in rank order (the rank-greedy policy:
    full requests while they fit, at least the minimum). A Celery task computes and commits it after commit."""
    return run_create_row(pool=pool, policy=Policy.RANK_GREEDY, by=by, fills_waitlist=True, task=FILL_TASK)


def waitlist_fill_execute(*, run_id: int, now=None) -> str:
    """The task: compute the fill, then commit it as the admin who asked for it, so its offers go out at once.
    Idempotent: a fill already committed, discarded or failed is left alone. When the pool changed between the
    computation and the commit (an offer answered meanwhile), the fill fails with the reason: fill again."""
    status = run_execute(run_id=run_id)
    if status != RunStatus.SUCCEEDED:
        return status
    run = AllocationRun.objects.select_related("created_by").get(pk=run_id)
    if not run.fills_waitlist:
        return status  # an ordinary run waits for the admin's decision
    try:
        run = run_commit(run_id=run_id, by=run.created_by, now=now)
    except ValidationError as exc:
        with transaction.atomic():
            AllocationRun.objects.filter(pk=run_id, status=RunStatus.SUCCEEDED).update(
                status=RunStatus.FAILED, error=" ".join(exc.messages)[:2000], finished_at=timezone.now()
            )
        return RunStatus.FAILED
    return run.status
