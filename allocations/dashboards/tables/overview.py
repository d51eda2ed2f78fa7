"""The overview (capacity, grants, use) and the call funnel as tables."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from allocations.dashboards import selectors
from allocations.dashboards.tables.base import Column, Table

# --- 1. overview -----------------------------------------------------------------------------------------------

OVERVIEW_COLUMNS = [
    Column("gigafactory", _("Gigafactory"), header=True),
    Column("period", _("Quarter")),
    Column("capacity", _("Capacity (GPU-h)"), "hours"),
    Column("pooled", _("Pooled (GPU-h)"), "hours"),
    Column("granted", _("Granted (GPU-h)"), "hours"),
    Column("accepted", _("Accepted (GPU-h)"), "hours"),
    Column("used", _("Used (GPU-h)"), "hours"),
    Column("reclaimed", _("Reclaimed (GPU-h)"), "hours"),
    Column("remaining", _("Remaining (GPU-h)"), "hours"),
    Column("utilisation", _("Utilisation"), "permille"),
    Column("burn_rate", _("Burn rate (GPU-h a day)"), "hours"),
]

STACK_COLUMNS = [
    Column("period", _("Quarter"), header=True),
    Column("used", _("Used"), "hours", series=True),
    Column("reclaimed", _("Reclaimed"), "hours", series=True),
    Column("remaining", _("Accepted, not used yet"), "hours", series=True),
    Column("offered_open", _("Offered, not accepted yet"), "hours", series=True),
    Column("free_in_pools", _("Free in pools"), "hours", series=True),
    Column("not_pooled", _("Not split into pools"), "hours", series=True),
]

# The granted hours on their own scale: next to a quarter's capacity they are thin slivers under "free".
GRANTED_COLUMNS = [
    Column("period", _("Quarter"), header=True),
    Column("used", _("Used"), "hours", series=True),
    Column("reclaimed", _("Reclaimed"), "hours", series=True),
    Column("remaining", _("Accepted, not used yet"), "hours", series=True),
    Column("offered_open", _("Offered, not accepted yet"), "hours", series=True),
]


def _overview_row(row: selectors.OverviewRow, *, total: bool = False) -> dict:
    return {
        "key": row.period_id,
        "gigafactory": str(_("All")) if total else row.gigafactory,
        "period": "" if total else row.label,
        "capacity": row.capacity,
        "pooled": row.pooled,
        "granted": row.granted,
        "accepted": row.accepted,
        "used": row.used,
        "reclaimed": row.reclaimed,
        "remaining": row.remaining,
        "offered_open": row.offered_open,
        "free_in_pools": row.free_in_pools,
        "not_pooled": row.not_pooled,
        "utilisation": row.utilisation_permille,
        "burn_rate": None if total else row.burn_rate,
    }


def overview_tables(data: selectors.Overview) -> list[Table]:
    tables = []
    for gigafactory, rows in data.by_gigafactory():
        tables.append(
            Table(
                slug=f"stack-{rows[0].gigafactory_id}",
                title=str(gigafactory),
                caption=str(
                    _("Where the capacity of %(gf)s went, per quarter, in GPU-hours (stacked).") % {"gf": gigafactory}
                ),
                columns=STACK_COLUMNS,
                rows=[_overview_row(r) for r in rows],
                chart="stacked",
                chart_unit=str(_("GPU-hours")),
                wide=True,
            )
        )
        tables.append(
            Table(
                slug=f"granted-{rows[0].gigafactory_id}",
                title=str(_("%(gf)s: granted hours") % {"gf": gigafactory}),
                caption=str(
                    _(
                        "The hours granted by %(gf)s per quarter and what became of them, in GPU-hours (stacked), on "
                        "a scale of their own."
                    )
                    % {"gf": gigafactory}
                ),
                columns=GRANTED_COLUMNS,
                rows=[_overview_row(r) for r in rows],
                chart="stacked",
                chart_unit=str(_("GPU-hours")),
                wide=True,
            )
        )
    tables.insert(
        0,
        Table(
            slug="overview",
            title=str(_("Capacity and use per Gigafactory and quarter")),
            caption=str(
                _(
                    "GPU-hours. Granted: open and accepted offers; remaining: accepted hours neither used nor "
                    "reclaimed; utilisation: used over accepted; burn rate: used per elapsed day."
                )
            ),
            columns=OVERVIEW_COLUMNS,
            rows=[_overview_row(r) for r in data.rows],
            total=_overview_row(data.total, total=True) if data.rows else None,
            wide=True,
        ),
    )
    return tables


# --- 2. funnel ---------------------------------------------------------------------------------------------------

# Column headers that count applications: plural forms where a language inflects them ("Soumises", not the
# "Soumise" of one application's status).
STAGE_LABELS = {
    "drafts": pgettext_lazy("applications at stage", "Drafts"),
    "submitted": pgettext_lazy("applications at stage", "Submitted"),
    "eligible": pgettext_lazy("applications at stage", "Eligible"),
    "reviewed": pgettext_lazy("applications at stage", "Reviewed"),
    "approved": pgettext_lazy("applications at stage", "Approved"),
    "offered": pgettext_lazy("applications at stage", "Offered"),
    "accepted": pgettext_lazy("applications at stage", "Accepted"),
}

FUNNEL_COLUMNS = [
    Column("call", _("Call"), header=True),
    Column("cutoff", _("Cut-off"), "datetime"),
    *(Column(key, label, "count") for key, label in STAGE_LABELS.items()),
    Column("success", _("Success rate"), "permille"),
    Column("decision_p50", _("Decision, median"), "duration"),
    Column("decision_p90", _("Decision, 90th pct."), "duration"),
    Column("first_use_p50", _("First GPU use, median"), "duration"),
    Column("first_use_p90", _("First GPU use, 90th pct."), "duration"),
]


def funnel_tables(data: selectors.Funnel) -> list[Table]:
    stages = Table(
        slug="stages",
        title=str(_("Applications reaching each stage")),
        caption=str(_("All calls and cut-offs within the filters.")),
        columns=[Column("stage", _("Stage"), header=True), Column("applications", _("Applications"), "count", True)],
        rows=[
            {"key": key, "stage": str(label), "applications": data.totals.get(key, 0)}
            for key, label in STAGE_LABELS.items()
        ],
        chart="bar",
        chart_unit=str(_("applications")),
    )
    rows = []
    for r in data.rows:
        row = {"key": f"{r.call_id}-{r.cutoff_id}", "call": r.call, "cutoff": r.cutoff_at}
        row.update({key: getattr(r, key) for key in STAGE_LABELS})
        row.update(
            success=r.success_permille,
            decision_p50=r.decision_p50,
            decision_p90=r.decision_p90,
            first_use_p50=r.first_use_p50,
            first_use_p90=r.first_use_p90,
        )
        rows.append(row)
    total = {"key": "total", "call": str(_("All")), "cutoff": None, **data.totals, "success": data.success_permille}
    per_call = Table(
        slug="funnel",
        title=str(_("Funnel per call and cut-off")),
        caption=str(
            _(
                "Drafts have no cut-off yet. Success rate: approved over submitted. Times in days from submission "
                "to the panel decision and to the first day with GPU use."
            )
        ),
        columns=FUNNEL_COLUMNS,
        rows=rows,
        total=total if rows else None,
        wide=True,
    )
    return [stages, per_call]
