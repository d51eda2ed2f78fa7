"""Writes behind the dashboards: rebuilding the summary tables (usage per grant, the funnel per application).

The rebuild is one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT`` statement over the daily usage table, run
under a transaction-level advisory lock so two rebuilds (beat and an import finishing at the same moment) queue
instead of racing. It is idempotent: running it twice leaves the same rows. The funnel facts are upserted only
where they changed (and deleted for applications that are gone), so a refresh rewrites few rows.
"""

import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organisation, User
from allocations.applications.workflow import Status
from allocations.dashboards.selectors import _FUNNEL_AGGREGATES, DECISION_ACTIONS, FUNNEL_STATUSES
from allocations.models import Application, ApplicationEvent, Call, CallCutoff
from allocations.models.capacity import Grant
from allocations.models.dashboards import (
    ApplicationFunnelFact,
    CutoffFunnelSummary,
    DashboardRefresh,
    GrantUsageSummary,
)
from allocations.models.usage import UsageDaily
from portal.sql import table

# The grant's own columns of the summary, copied as they are at the refresh (the distribution reads only these).
_GRANT_COLUMNS = (
    "status",
    "granted_seconds",
    "gigafactory_id",
    "period_id",
    "call_id",
    "access_mode_id",
    "country",
    "organisation_type",
    "ai_domain",
)

# Any constant shared by every process that rebuilds the summary (pg_advisory_xact_lock takes a bigint).
REFRESH_LOCK = 0x6761_7064_6173_6801


def usage_summary_refresh(*, by: User | None = None, trigger: str = "") -> DashboardRefresh:
    """Rebuild ``GrantUsageSummary`` from ``UsageDaily`` (one row per grant, zero for grants without usage) with
    each grant's status, hours and grouping attributes, and record the rebuild. ``by`` is the acting user, ``None``
    for the scheduler. One transaction."""
    started = timezone.now()
    clock = time.monotonic()
    summary, grant, daily = table(GrantUsageSummary), table(Grant), table(UsageDaily)
    app, org, call = table(Application), table(Organisation), table(Call)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
            cursor.execute(
                f"""
                INSERT INTO {summary} (grant_id, used_seconds, first_used_on, last_used_on, refreshed_at,
                    {", ".join(_GRANT_COLUMNS)})
                SELECT g.id, COALESCE(u.used, 0), u.first_day, u.last_day, %s,
                       g.status, g.granted_seconds, g.gigafactory_id, g.period_id, a.call_id, c.access_mode_id,
                       o.country, o.type, a.ai_domain
                FROM {grant} g
                JOIN {app} a ON a.id = g.application_id
                JOIN {org} o ON o.id = a.organisation_id
                JOIN {call} c ON c.id = a.call_id
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
                    refreshed_at = EXCLUDED.refreshed_at,
                    {", ".join(f"{c} = EXCLUDED.{c}" for c in _GRANT_COLUMNS)}
                """,  # noqa: S608 - table names come from model metadata, values are parameters
                [started],
            )
            count = cursor.rowcount
            _funnel_facts_refresh(cursor)
        refresh = DashboardRefresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            grants=max(count, 0),
            duration_ms=int((time.monotonic() - clock) * 1000),
            trigger=(trigger or ("manual" if by else "schedule"))[:40],
        )
    return refresh


_FACT_COLUMNS = (
    "call_id",
    "cutoff_id",
    "period_at",
    "draft",
    "submitted",
    "eligible",
    "reviewed",
    "approved",
    "offered",
    "accepted",
    "requested_gpu_hours",
    "decision_seconds",
    "first_use_seconds",
)


def _funnel_facts_refresh(cursor) -> None:
    """Upsert one ``ApplicationFunnelFact`` per application from the applications, their decision events and the
    (just rebuilt) usage summary; delete the facts of deleted applications. Stage flags follow the funnel's rules in
    ``dashboards.selectors``; times are those the funnel used to compute live (same expressions, same time zone)."""
    fact, app, cutoff = table(ApplicationFunnelFact), table(Application), table(CallCutoff)
    event, grant, summary = table(ApplicationEvent), table(Grant), table(GrantUsageSummary)
    columns = ", ".join(_FACT_COLUMNS)
    changed = " OR ".join(f"f.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in _FACT_COLUMNS)
    stages = {name: [str(s) for s in statuses] for name, statuses in FUNNEL_STATUSES.items()}
    cursor.execute(
        f"""
        INSERT INTO {fact} AS f (application_id, {columns})
        SELECT a.id, a.call_id, a.cutoff_id, COALESCE(co.at, a.created_at),
               a.status = %(draft)s, a.submitted_at IS NOT NULL,
               a.status = ANY(%(eligible)s), a.status = ANY(%(reviewed)s), a.status = ANY(%(approved)s),
               a.status = ANY(%(offered)s), a.status = ANY(%(accepted)s),
               a.requested_gpu_hours,
               CASE WHEN a.submitted_at IS NOT NULL THEN EXTRACT(EPOCH FROM d.at - a.submitted_at)::float8 END,
               CASE WHEN a.submitted_at IS NOT NULL
                    THEN (u.day - (a.submitted_at AT TIME ZONE %(tz)s)::date) * 86400 END
        FROM {app} a
        LEFT JOIN {cutoff} co ON co.id = a.cutoff_id
        LEFT JOIN (
            SELECT application_id, MIN(created_at) AS at FROM {event}
            WHERE action = ANY(%(decisions)s) GROUP BY application_id
        ) d ON d.application_id = a.id
        LEFT JOIN (
            SELECT g.application_id, MIN(s.first_used_on) AS day
            FROM {grant} g JOIN {summary} s ON s.grant_id = g.id
            GROUP BY g.application_id
        ) u ON u.application_id = a.id
        ON CONFLICT (application_id) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in _FACT_COLUMNS)}
        WHERE {changed}
        """,  # noqa: S608 - table and column names come from model metadata, values are parameters
        {
            **stages,
            "draft": str(Status.DRAFT),
            "tz": settings.TIME_ZONE,
            "decisions": [str(a) for a in DECISION_ACTIONS],
        },
    )
    cursor.execute(
        f"DELETE FROM {fact} f WHERE NOT EXISTS (SELECT 1 FROM {app} a WHERE a.id = f.application_id)"  # noqa: S608
    )
    per_cutoff = table(CutoffFunnelSummary)
    cursor.execute(f"DELETE FROM {per_cutoff}")  # noqa: S608
    cursor.execute(
        f"""
        INSERT INTO {per_cutoff} (call_id, cutoff_id, period_at, drafts, submitted, eligible, reviewed, approved,
            offered, accepted, decision_p50, decision_p90, first_use_p50, first_use_p90, requested_gpu_hours)
        SELECT call_id, cutoff_id, MIN(period_at), {_FUNNEL_AGGREGATES},
               SUM(requested_gpu_hours) FILTER (WHERE submitted)
        FROM {fact} WHERE cutoff_id IS NOT NULL GROUP BY call_id, cutoff_id
        """  # noqa: S608 - table names from model metadata
    )
