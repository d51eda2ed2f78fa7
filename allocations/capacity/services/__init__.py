"""Writes for capacity, pools, allocation runs, offers and grants.

Every function takes keyword arguments and the acting user ``by`` (``None`` for the portal's scheduled jobs),
checks permission and input, runs in one transaction and raises ``ValidationError`` (a form error / API 400) or
``PermissionDenied``. GPU-seconds move in the ledger with ids derived from what they record, so a retry moves
nothing twice; the pool accounts may never be overdrawn (the ledger refuses it). Emails leave after commit.

Concurrency: everything that reads or changes what a pool can give (running a run, committing one) first takes the
PostgreSQL advisory transaction lock of that pool, so two runs of one pool never overlap and two commits serialise;
a commit re-checks that its inputs did not change (hash) before it grants anything.

The code lives in one submodule per stage (``periods``, ``runs``, ``offers``) and ``_common`` for the admin check
and the GPU-second ledger they share; this package re-exports them, so callers keep writing
``from allocations.capacity import services; services.run_commit(...)``.
"""

from allocations.capacity.services._common import NAMESPACE, gpu_ledger
from allocations.capacity.services.direct import award_direct
from allocations.capacity.services.offers import (
    grant_close,
    grants_activate,
    offer_emails_send,
    offer_respond,
    offers_expire,
)
from allocations.capacity.services.periods import period_create, period_split
from allocations.capacity.services.runs import (
    MAX_ATTEMPTS,
    OFFER_DAYS,
    PAUSE_ENV,
    POOL_LOCK_CLASS,
    QUEUED_STALE_AFTER,
    RUNNING_STALE_AFTER,
    lock_pool,
    run_commit,
    run_create,
    run_discard,
    run_execute,
    runs_sweep_stale,
)
from allocations.capacity.services.waitlist import FILL_TASK, waitlist_fill, waitlist_fill_execute

__all__ = [
    "FILL_TASK",
    "MAX_ATTEMPTS",
    "NAMESPACE",
    "OFFER_DAYS",
    "PAUSE_ENV",
    "POOL_LOCK_CLASS",
    "QUEUED_STALE_AFTER",
    "RUNNING_STALE_AFTER",
    "award_direct",
    "gpu_ledger",
    "grant_close",
    "grants_activate",
    "lock_pool",
    "offer_emails_send",
    "offer_respond",
    "offers_expire",
    "period_create",
    "period_split",
    "run_commit",
    "run_create",
    "run_discard",
    "run_execute",
    "runs_sweep_stale",
    "waitlist_fill",
    "waitlist_fill_execute",
]
