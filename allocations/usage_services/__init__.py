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

The code lives in submodules that follow these steps (``clusters``, ``imports``, ``ledger``, ``alerts``,
``reclaim``); this package re-exports them, so callers keep writing
``from allocations import usage_services as services; services.usage_import_create(...)``.
"""

from allocations.usage_services._common import NAMESPACE as NAMESPACE
from allocations.usage_services.alerts import alerts_check as alerts_check
from allocations.usage_services.clusters import cluster_create as cluster_create
from allocations.usage_services.clusters import cluster_token_create as cluster_token_create
from allocations.usage_services.clusters import cluster_token_revoke as cluster_token_revoke
from allocations.usage_services.imports import CHARGEABLE as CHARGEABLE
from allocations.usage_services.imports import CLUSTER_LOCK_CLASS as CLUSTER_LOCK_CLASS
from allocations.usage_services.imports import COPY_LINES as COPY_LINES
from allocations.usage_services.imports import MAX_PUSH_RECORDS as MAX_PUSH_RECORDS
from allocations.usage_services.imports import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES
from allocations.usage_services.imports import PROGRESS_EVERY as PROGRESS_EVERY
from allocations.usage_services.imports import STAGE_COLUMNS as STAGE_COLUMNS
from allocations.usage_services.imports import TRANSITIONS as TRANSITIONS
from allocations.usage_services.imports import Report as Report
from allocations.usage_services.imports import usage_import_create as usage_import_create
from allocations.usage_services.imports import usage_import_process as usage_import_process
from allocations.usage_services.imports import usage_records_push as usage_records_push
from allocations.usage_services.ledger import consumed_account as consumed_account
from allocations.usage_services.ledger import post_usage as post_usage
from allocations.usage_services.reclaim import grant_reclaim as grant_reclaim
from allocations.usage_services.reclaim import next_pool as next_pool
from allocations.usage_services.reclaim import reclaim_ended_periods as reclaim_ended_periods
