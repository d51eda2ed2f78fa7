"""The 80 % and 100 % usage alerts and their emails (step 4 of the pipeline)."""

from collections.abc import Iterable

from django.db import connection

from allocations.models.capacity import Grant
from allocations.models.usage import ALERT_THRESHOLDS, UsageAlert, UsageImport
from allocations.usage import selectors
from portal.emails import queue_templated_email
from portal.links import absolute_url
from portal.sql import table

# --- alerts ---------------------------------------------------------------------------------------------------------


def alerts_check(*, grant_ids: Iterable[int], usage_import: UsageImport | None = None) -> list[tuple[int, int]]:
    """Write the 80/100 % alert rows the grants' usage has reached and queue their emails on commit. Call it inside
    the transaction that changed the usage, after the grants' ledger accounts are locked. A threshold is alerted
    at most once per grant (unique row; a concurrent writer waits for ours and then inserts nothing).
    Returns the ``(grant id, threshold)`` pairs alerted now."""
    grant_ids = sorted(set(grant_ids))
    if not grant_ids:
        return []
    totals = selectors.used_seconds_by_grant(grant_ids=grant_ids)
    grants = {g.pk: g for g in Grant.objects.filter(pk__in=grant_ids).only("pk", "granted_seconds")}
    candidates = []
    for grant_id in grant_ids:
        used, granted = totals.get(grant_id, 0), grants[grant_id].granted_seconds
        for threshold in ALERT_THRESHOLDS:
            if used * 100 >= threshold * granted:
                candidates.append((grant_id, threshold, used, granted))
    if not candidates:
        return []
    alert_table = table(UsageAlert)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {alert_table} (grant_id, threshold, used_seconds, granted_seconds, usage_import_id, "  # noqa: S608 - table names from model metadata
            "created_at) SELECT g, t, u, q, %s, now() FROM unnest(%s::bigint[], %s::int[], %s::bigint[], %s::bigint[]) "
            "AS c(g, t, u, q) ON CONFLICT (grant_id, threshold) DO NOTHING RETURNING grant_id, threshold",
            [
                usage_import.pk if usage_import else None,
                [c[0] for c in candidates],
                [c[1] for c in candidates],
                [c[2] for c in candidates],
                [c[3] for c in candidates],
            ],
        )
        alerted = sorted(cursor.fetchall())
    used_by_grant = {c[0]: c[2] for c in candidates}
    for grant_id, threshold in alerted:
        _queue_alert_emails(grant_id=grant_id, threshold=threshold, used=used_by_grant[grant_id])
    return alerted


def _queue_alert_emails(*, grant_id: int, threshold: int, used: int) -> None:
    grant = Grant.objects.select_related("application__pi", "gigafactory", "period").get(pk=grant_id)
    context = {
        "grant": grant,
        "application": grant.application,
        "threshold": threshold,
        "used_seconds": used,
        "url": absolute_url("grant_usage", pk=grant_id),
    }
    queue_templated_email(
        to=selectors.grant_recipients(grant=grant), template="allocations/usage/email/threshold", context=context
    )
    if threshold >= 100:
        # Use beyond the grant is recorded, never stopped: the allocation admins decide what to do.
        queue_templated_email(
            to=selectors.allocation_admin_emails(), template="allocations/usage/email/overuse", context=context
        )
