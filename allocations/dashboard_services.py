"""Writes behind the dashboards: rebuilding the usage summary table.

The rebuild is one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT`` statement over the daily usage table, run
under a transaction-level advisory lock so two rebuilds (beat and an import finishing at the same moment) queue
instead of racing. It is idempotent: running it twice leaves the same rows.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from allocations.capacity_models import Grant
from allocations.dashboard_models import DashboardRefresh, GrantUsageSummary
from allocations.usage_models import UsageDaily

# Any constant shared by every process that rebuilds the summary (pg_advisory_xact_lock takes a bigint).
REFRESH_LOCK = 0x6761_7064_6173_6801


def usage_summary_refresh(*, by: User | None = None, trigger: str = "") -> DashboardRefresh:
    """Rebuild ``GrantUsageSummary`` from ``UsageDaily`` (one row per grant, zero for grants without usage) and
    record the rebuild. ``by`` is the acting user, ``None`` for the scheduler. One transaction."""
    started = timezone.now()
    clock = time.monotonic()
    summary, grant, daily = GrantUsageSummary._meta.db_table, Grant._meta.db_table, UsageDaily._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
            cursor.execute(
                f"""
                INSERT INTO {summary} (grant_id, used_seconds, first_used_on, last_used_on, refreshed_at)
                SELECT g.id, COALESCE(u.used, 0), u.first_day, u.last_day, %s
                FROM {grant} g
                LEFT JOIN (
                    SELECT grant_id, SUM(gpu_seconds) AS used,
                           MIN(day) FILTER (WHERE gpu_seconds > 0) AS first_day,
                           MAX(day) FILTER (WHERE gpu_seconds > 0) AS last_day
                    FROM {daily} GROUP BY grant_id
                ) u ON u.grant_id = g.id
                ON CONFLICT (grant_id) DO UPDATE SET
                    used_seconds = EXCLUDED.used_seconds,
                    first_used_on = EXCLUDED.first_used_on,
                    last_used_on = EXCLUDED.last_used_on,
                    refreshed_at = EXCLUDED.refreshed_at
                """,  # noqa: S608 - table names come from model metadata, values are parameters
                [started],
            )
            count = cursor.rowcount
        refresh = DashboardRefresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            grants=max(count, 0),
            duration_ms=int((time.monotonic() - clock) * 1000),
            trigger=(trigger or ("manual" if by else "schedule"))[:40],
        )
    return refresh
