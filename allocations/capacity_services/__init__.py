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
``from allocations import capacity_services as services; services.run_commit(...)``.
"""

from allocations.capacity_services._common import NAMESPACE as NAMESPACE
from allocations.capacity_services._common import gpu_ledger as gpu_ledger
from allocations.capacity_services.offers import grant_close as grant_close
from allocations.capacity_services.offers import grants_activate as grants_activate
from allocations.capacity_services.offers import offer_emails_send as offer_emails_send
from allocations.capacity_services.offers import offer_respond as offer_respond
from allocations.capacity_services.offers import offers_expire as offers_expire
from allocations.capacity_services.periods import period_create as period_create
from allocations.capacity_services.periods import period_split as period_split
from allocations.capacity_services.runs import OFFER_DAYS as OFFER_DAYS
from allocations.capacity_services.runs import PAUSE_ENV as PAUSE_ENV
from allocations.capacity_services.runs import POOL_LOCK_CLASS as POOL_LOCK_CLASS
from allocations.capacity_services.runs import lock_pool as lock_pool
from allocations.capacity_services.runs import run_commit as run_commit
from allocations.capacity_services.runs import run_create as run_create
from allocations.capacity_services.runs import run_discard as run_discard
from allocations.capacity_services.runs import run_execute as run_execute
