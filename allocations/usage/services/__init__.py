"""Writes of usage accounting: clusters and tokens, imports of job records, ledger usage, alerts and reclaims.

Import pipeline (one import at a time per cluster; many clusters in parallel):

1. stream-parse the file (``allocations.usage.sacct``, accepted records as COPY text lines) and ``COPY`` them into a
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

The code lives in submodules that follow these steps (``clusters``, ``imports``, ``ledger``, ``alerts``,
``reclaim``); this package re-exports them, so callers keep writing
``from allocations.usage import services; services.usage_import_create(...)``.
"""

from allocations.usage.services._common import NAMESPACE
from allocations.usage.services.alerts import alerts_check
from allocations.usage.services.clusters import cluster_create, cluster_token_create, cluster_token_revoke
from allocations.usage.services.imports import (
    MAX_PUSH_RECORDS,
    MAX_UPLOAD_BYTES,
    TRANSITIONS,
    usage_import_create,
    usage_import_process,
    usage_records_push,
)
from allocations.usage.services.ledger import consumed_account, post_usage
from allocations.usage.services.merge import (
    CHARGEABLE,
    CLUSTER_LOCK_CLASS,
    COPY_LINES,
    PROGRESS_EVERY,
    STAGE_COLUMNS,
    Report,
)
from allocations.usage.services.reclaim import grant_reclaim, next_pool, reclaim_ended_periods
from allocations.usage.services.sweep import usage_imports_sweep_stuck

__all__ = [
    "CHARGEABLE",
    "CLUSTER_LOCK_CLASS",
    "COPY_LINES",
    "MAX_PUSH_RECORDS",
    "MAX_UPLOAD_BYTES",
    "NAMESPACE",
    "PROGRESS_EVERY",
    "STAGE_COLUMNS",
    "TRANSITIONS",
    "Report",
    "alerts_check",
    "cluster_create",
    "cluster_token_create",
    "cluster_token_revoke",
    "consumed_account",
    "grant_reclaim",
    "next_pool",
    "post_usage",
    "reclaim_ended_periods",
    "usage_import_create",
    "usage_import_process",
    "usage_imports_sweep_stuck",
    "usage_records_push",
]
