"""Dashboard 2, the call funnel: how far applications got per call and cut-off, and how long it took."""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from allocations.applications.workflow import Action, Status
from allocations.dashboards.selectors.filters import Filters, as_of, permille, quarter_bounds
from allocations.models import Call, CallCutoff
from allocations.models.dashboards import ApplicationFunnelFact, CutoffFunnelSummary
from portal.sql import table

# --- 2. call funnel --------------------------------------------------------------------------------------------

# The funnel reads the stage an application reached from its status (the life cycle is linear). A withdrawn
# application counts as submitted if it was, and no further.
_AFTER_CHECK = (
    Status.IN_REVIEW,
    Status.REVIEWS_COMPLETE,
    Status.RIGHT_TO_REPLY,
    Status.PANEL,
    Status.APPROVED,
    Status.WAITLISTED,
    Status.REJECTED,
    Status.OFFERED,
    Status.ACCEPTED,
    Status.DECLINED,
    Status.ACTIVE,
    Status.CLOSED,
)
# Reviewed: the reviews are complete, or (modes without reviewers) the technical check sent it to the panel.
_REVIEWED = tuple(s for s in _AFTER_CHECK if s != Status.IN_REVIEW)
_APPROVED = (Status.APPROVED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED, Status.ACTIVE, Status.CLOSED)
_OFFERED = (Status.OFFERED, Status.ACCEPTED, Status.DECLINED, Status.ACTIVE, Status.CLOSED)
_ACCEPTED = (Status.ACCEPTED, Status.ACTIVE, Status.CLOSED)
FUNNEL_STAGES = {
    "drafts": Q(status=Status.DRAFT),
    "submitted": Q(submitted_at__isnull=False),
    "eligible": Q(status__in=_AFTER_CHECK),
    "reviewed": Q(status__in=_REVIEWED),
    "approved": Q(status__in=_APPROVED),
    "offered": Q(status__in=_OFFERED),
    "accepted": Q(status__in=_ACCEPTED),
}
# The same stages as statuses, for the funnel facts (``dashboards.services``): drafts and submitted are not by status.
FUNNEL_STATUSES = {
    "eligible": _AFTER_CHECK,
    "reviewed": _REVIEWED,
    "approved": _APPROVED,
    "offered": _OFFERED,
    "accepted": _ACCEPTED,
}
DECISION_ACTIONS = (Action.APPROVE, Action.WAITLIST, Action.REJECT)


@dataclass
class FunnelRow:
    call_id: int
    call: str
    cutoff_id: int | None
    cutoff_at: datetime.datetime | None
    drafts: int = 0
    submitted: int = 0
    eligible: int = 0
    reviewed: int = 0
    approved: int = 0
    offered: int = 0
    accepted: int = 0
    decision_p50: int | None = None  # seconds from submission to the panel decision
    decision_p90: int | None = None
    first_use_p50: int | None = None  # seconds (whole days) from submission to the first day with GPU use
    first_use_p90: int | None = None

    @property
    def success_permille(self) -> int | None:
        """Approved over submitted."""
        return permille(self.approved, self.submitted)


@dataclass
class Funnel:
    rows: list[FunnelRow]
    totals: dict[str, int] = field(default_factory=dict)
    as_of: datetime.datetime | None = None

    @property
    def success_permille(self) -> int | None:
        return permille(self.totals.get("approved", 0), self.totals.get("submitted", 0))


_FUNNEL_AGGREGATES = """
        COUNT(*) FILTER (WHERE draft),
        COUNT(*) FILTER (WHERE submitted),
        COUNT(*) FILTER (WHERE eligible),
        COUNT(*) FILTER (WHERE reviewed),
        COUNT(*) FILTER (WHERE approved),
        COUNT(*) FILTER (WHERE offered),
        COUNT(*) FILTER (WHERE accepted),
        ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY decision_seconds)
              FILTER (WHERE decision_seconds IS NOT NULL))::bigint,
        ROUND(percentile_cont(0.9) WITHIN GROUP (ORDER BY decision_seconds)
              FILTER (WHERE decision_seconds IS NOT NULL))::bigint,
        ROUND(percentile_cont(0.5) WITHIN GROUP (ORDER BY first_use_seconds)
              FILTER (WHERE first_use_seconds IS NOT NULL))::bigint,
        ROUND(percentile_cont(0.9) WITHIN GROUP (ORDER BY first_use_seconds)
              FILTER (WHERE first_use_seconds IS NOT NULL))::bigint
"""

# Per call and cut-off from the summary; applications without a cut-off (drafts, mostly) from their facts, where
# the period filter reads each one's creation time.
_FUNNEL_SQL = """
SELECT f.call_id, c.title, f.cutoff_id, co.at, f.drafts, f.submitted, f.eligible, f.reviewed, f.approved,
       f.offered, f.accepted, f.decision_p50, f.decision_p90, f.first_use_p50, f.first_use_p90
FROM (
    SELECT call_id, cutoff_id, drafts, submitted, eligible, reviewed, approved, offered, accepted,
           decision_p50, decision_p90, first_use_p50, first_use_p90
    FROM {summary} WHERE {where}
    UNION ALL
    SELECT call_id, NULL, {aggregates} FROM {fact} WHERE cutoff_id IS NULL AND {where} GROUP BY call_id
) f
JOIN {call} c ON c.id = f.call_id
LEFT JOIN {cutoff} co ON co.id = f.cutoff_id
ORDER BY c.title, f.call_id, co.at ASC NULLS LAST
"""


def _funnel_where(filters: Filters) -> tuple[str, dict]:
    """The dashboard filters on the funnel facts: the same applications ``_applications`` selects (the period is
    the quarter of the cut-off, or of the creation for applications without one)."""
    where, params = ["TRUE"], {}
    if filters.call_id:
        where.append("call_id = %(call)s")
        params["call"] = filters.call_id
    if filters.mode_id:
        where.append(f"call_id IN (SELECT id FROM {table(Call)} WHERE access_mode_id = %(mode)s)")  # noqa: S608
        params["mode"] = filters.mode_id
    if filters.gigafactory_id:
        through = Call.gigafactories.through._meta
        call_col, gf_col = through.get_field("call").column, through.get_field("gigafactory").column
        where.append(f"call_id IN (SELECT {call_col} FROM {through.db_table} WHERE {gf_col} = %(gigafactory)s)")  # noqa: S608
        params["gigafactory"] = filters.gigafactory_id
    if filters.has_period:
        start, end = quarter_bounds(filters.year, filters.quarter)
        tz = timezone.get_current_timezone()
        where.append("period_at >= %(start_at)s AND period_at < %(end_at)s")
        params["start_at"] = datetime.datetime.combine(start, datetime.time.min, tz)
        params["end_at"] = datetime.datetime.combine(end, datetime.time.min, tz)
    return " AND ".join(where), params


def funnel(*, filters: Filters) -> Funnel:
    """Per call and cut-off: how many applications reached each stage, the success rate, and the median and 90th
    percentile time from submission to the panel decision and to the first day with GPU use. Read from the funnel
    summaries (rebuilt with the usage summary), as of the last refresh. Two queries."""
    where, params = _funnel_where(filters)
    sql = _FUNNEL_SQL.format(
        summary=table(CutoffFunnelSummary),
        aggregates=_FUNNEL_AGGREGATES,
        fact=table(ApplicationFunnelFact),
        call=table(Call),
        cutoff=table(CallCutoff),
        where=where,
    )
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for call_id, title, cutoff_id, cutoff_at, *counts, d50, d90, u50, u90 in cursor.fetchall():
            rows.append(
                FunnelRow(
                    call_id=call_id,
                    call=title,
                    cutoff_id=cutoff_id,
                    cutoff_at=cutoff_at,
                    **dict(zip(FUNNEL_STAGES, counts, strict=True)),
                    decision_p50=d50,
                    decision_p90=d90,
                    first_use_p50=u50,
                    first_use_p90=u90,
                )
            )
    totals = {name: sum(getattr(r, name) for r in rows) for name in FUNNEL_STAGES}
    return Funnel(rows=rows, totals=totals, as_of=as_of())
