"""Dashboard 5, the reviewers: assignments held, completed, open and overdue, and the mean time to review."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from accounts.models import User
from allocations.dashboards.selectors.filters import Filters, _applications
from portal.sql import table

# --- 5. reviewers ------------------------------------------------------------------------------------------------


def _named(sql: str, params) -> tuple[str, dict]:
    """Positional ``%s`` parameters of ORM SQL as named ones, to embed it in a query with named parameters."""
    named, out = sql, {}
    for index, value in enumerate(params):
        named = named.replace("%s", f"%(p{index})s", 1)
        out[f"p{index}"] = value
    return named, out


@dataclass
class ReviewerLoad:
    reviewer_id: int
    reviewer: str
    assignments: int
    completed: int
    open: int
    overdue: int
    mean_review_seconds: int | None


def reviewers(*, filters: Filters, today: datetime.date | None = None) -> list[ReviewerLoad]:
    """Per reviewer: assignments held (pending, accepted, completed), completed, open, overdue (open past the due
    date) and the mean time from assignment to submitted review. One query."""
    from reviews.models import ACTIVE_ASSIGNMENT, AssignmentStatus, ReviewAssignment

    today = today or timezone.localdate()
    where, params = "TRUE", {}
    if filters != Filters():  # no filter: no semi-join with every application
        ids_sql, ids_params = _applications(filters).values("pk").query.sql_with_params()
        named_ids, params = _named(ids_sql, ids_params)
        where = f"application_id IN ({named_ids})"
    params.update(
        {
            "active": [str(s) for s in ACTIVE_ASSIGNMENT],
            "open": [str(AssignmentStatus.PENDING), str(AssignmentStatus.ACCEPTED)],
            "done": str(AssignmentStatus.COMPLETED),
            "today": today,
        }
    )
    # Aggregate per reviewer id first (a hash on an integer), then join the 300-odd reviewers for names and order.
    sql = f"""
        SELECT r.reviewer_id, u.full_name, u.email, r.assignments, r.completed, r.open, r.overdue, r.mean
        FROM (
            SELECT reviewer_id,
                   COUNT(*) FILTER (WHERE status = ANY(%(active)s)) AS assignments,
                   COUNT(*) FILTER (WHERE status = %(done)s) AS completed,
                   COUNT(*) FILTER (WHERE status = ANY(%(open)s)) AS open,
                   COUNT(*) FILTER (WHERE status = ANY(%(open)s) AND due_on < %(today)s) AS overdue,
                   AVG(completed_at - created_at) FILTER (WHERE status = %(done)s AND completed_at IS NOT NULL) AS mean
            FROM {table(ReviewAssignment)}
            WHERE {where}
            GROUP BY reviewer_id
        ) r
        JOIN {table(User)} u ON u.id = r.reviewer_id
        ORDER BY r.open DESC, u.full_name, u.email
    """  # noqa: S608 - table names from model metadata, the filter is the ORM's own SQL, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = ("reviewer_id", "reviewer__full_name", "reviewer__email", "assignments", "completed", "open")
        rows = [dict(zip((*columns, "overdue", "mean"), r, strict=True)) for r in cursor.fetchall()]
    return [
        ReviewerLoad(
            reviewer_id=r["reviewer_id"],
            reviewer=r["reviewer__full_name"] or r["reviewer__email"],
            assignments=r["assignments"],
            completed=r["completed"],
            open=r["open"],
            overdue=r["overdue"],
            mean_review_seconds=None if r["mean"] is None else int(r["mean"].total_seconds()),
        )
        for r in rows
    ]
