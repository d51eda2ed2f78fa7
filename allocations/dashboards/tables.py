"""The dashboards' tables: what each page shows, as columns and rows of raw integers.

One ``Table`` feeds three things so they can never disagree: the accessible HTML table, the Chart.js chart drawn
from that table's cells (``static/js/dashboards.js``) and the CSV download. Values stay raw (GPU-seconds, permille,
basis points, euro cents, seconds) until ``display`` / ``csv_value`` / ``chart_value`` format them.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from allocations.dashboards import selectors
from portal.units import whole_gpu_hours

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | hours | count | permille | bp | cents | duration | datetime
    series: bool = False  # drawn in the chart
    header: bool = False  # the row's header cell (<th scope="row">)


@dataclass
class Table:
    slug: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[dict]
    chart: str = ""  # "" (no chart), "bar", "stacked" or "horizontal"
    chart_unit: str = ""
    total: dict | None = None
    wide: bool = False
    highlight: set = field(default_factory=set)  # row keys to emphasise (start-ups and SMEs)

    @property
    def series(self) -> list[Column]:
        return [c for c in self.columns if c.series]

    def body_html(self) -> str:
        """The ``<tbody>`` rows, built here rather than in a template loop: a funnel of a few hundred rows with a
        dozen columns took most of the page's server time in the template engine. Every cell is escaped; the
        text is ``display``'s (integers grouped with the active language's separators, looked up once)."""
        from html import escape

        from django.utils import numberformat
        from django.utils.safestring import mark_safe
        from django.utils.translation import gettext

        decimal_sep = formats.get_format("DECIMAL_SEPARATOR")
        grouping = formats.get_format("NUMBER_GROUPING")
        thousand_sep = formats.get_format("THOUSAND_SEPARATOR")

        def text(column: Column, value) -> str:
            if value is not None and column.kind in ("hours", "count"):
                number = whole_gpu_hours(value) if column.kind == "hours" else value
                return numberformat.format(
                    number, decimal_sep, None, grouping, thousand_sep, force_grouping=True, use_l10n=True
                )
            return display(column, value)

        badge = f' <span class="badge text-bg-warning">{escape(gettext("start-up / SME"))}</span>'
        out = []
        for row in self.rows:
            highlighted = row.get("key") in self.highlight
            cells = []
            for column in self.columns:
                value = row.get(column.key)
                shown = escape(text(column, value))
                if column.header:
                    cells.append(f'<th scope="row">{shown}{badge if highlighted else ""}</th>')
                else:
                    css = "text-end" if column.kind != "text" else ""
                    cells.append(f'<td class="{css}" data-value="{escape(chart_value(column, value))}">{shown}</td>')
            out.append(f"<tr{' class="dashboard-highlight"' if highlighted else ''}>{''.join(cells)}</tr>")
        return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


def _decimal(value: int, divisor: int, places: int = 1) -> str:
    """An integer ratio as a decimal string without floats (``_decimal(1234, 10)`` -> ``"123.4"``)."""
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(value), divisor)
    if places == 0:
        return f"{sign}{whole}"
    scaled = rest * 10**places // divisor
    return f"{sign}{whole}.{scaled:0{places}d}"


def _plain_number(column: Column, value, *, cents_divisor: int) -> str | None:
    """A numeric cell without grouping or unit, as CSV and charts read it; None for kinds that are not numeric."""
    if column.kind == "hours":
        return str(whole_gpu_hours(value))
    if column.kind == "permille":
        return _decimal(value, 10)
    if column.kind == "bp":
        return _decimal(value, 100, 2)
    if column.kind == "cents":
        return _decimal(value, cents_divisor, 2)
    if column.kind == "duration":
        return _decimal(value, SECONDS_PER_DAY)
    return None


def csv_value(column: Column, value) -> str:
    """A cell as written to CSV: whole GPU-hours, percentages and days with one decimal, euros with cents."""
    if value is None:
        return ""
    number = _plain_number(column, value, cents_divisor=100)
    if number is not None:
        return number
    if column.kind == "datetime" and isinstance(value, datetime.datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def display(column: Column, value) -> str:
    """A cell as shown in the HTML table."""
    if value is None:
        return "—"
    if column.kind == "hours":
        return formats.number_format(whole_gpu_hours(value), force_grouping=True)
    if column.kind == "count":
        return formats.number_format(value, force_grouping=True)
    if column.kind == "permille":
        return f"{_decimal(value, 10)} %"
    if column.kind == "bp":
        return f"{_decimal(value, 100, 2)} %"
    if column.kind == "cents":
        return f"€ {formats.number_format(value // 100, force_grouping=True)}"
    if column.kind == "duration":
        return _("%(days)s d") % {"days": _decimal(value, SECONDS_PER_DAY)}
    if column.kind == "datetime" and isinstance(value, datetime.datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return str(value)


def chart_value(column: Column, value) -> str:
    """A cell in the chart's unit: GPU-hours, percent, EUR million, days or the count itself."""
    if value is None:
        return "0"
    number = _plain_number(column, value, cents_divisor=100_000_000)
    return str(value) if number is None else number


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

STAGE_LABELS = {
    "drafts": _("Drafts"),
    "submitted": _("Submitted"),
    "eligible": _("Eligible"),
    "reviewed": _("Reviewed"),
    "approved": _("Approved"),
    "offered": _("Offered"),
    "accepted": _("Accepted"),
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


# --- 3. distribution ---------------------------------------------------------------------------------------------


def _share_table(slug: str, title, label, rows: list[selectors.ShareRow], total: int, highlight=()) -> Table:
    return Table(
        slug=slug,
        title=str(title),
        caption=str(_("GPU-hours granted (open and accepted offers) and used, and the share of all granted hours.")),
        columns=[
            Column("label", label, header=True),
            Column("grants", _("Grants"), "count"),
            Column("granted", _("Granted (GPU-h)"), "hours", True),
            Column("used", _("Used (GPU-h)"), "hours", True),
            Column("share", _("Share of granted"), "permille"),
        ],
        rows=[
            {
                "key": r.key,
                "label": r.label,
                "grants": r.grants,
                "granted": r.granted,
                "used": r.used,
                "share": selectors.permille(r.granted, total),
            }
            for r in rows
        ],
        chart="horizontal" if len(rows) > 6 else "bar",
        chart_unit=str(_("GPU-hours")),
        highlight=set(highlight),
    )


def distribution_tables(data: selectors.Distribution) -> list[Table]:
    total = data.total.granted
    return [
        _share_table(
            "organisation-type",
            _("By organisation type"),
            _("Organisation type"),
            data.by_organisation_type,
            total,
            highlight=("startup", "sme"),
        ),
        _share_table("country", _("By country"), _("Country"), data.by_country, total),
        _share_table("access-mode", _("By access mode"), _("Access mode"), data.by_access_mode, total),
        _share_table("ai-domain", _("By AI domain"), _("AI domain"), data.by_ai_domain, total),
        Table(
            slug="demand",
            title=str(_("Requested versus granted per call")),
            caption=str(_("Requested by submitted applications; oversubscription: requested over granted.")),
            columns=[
                Column("call", _("Call"), header=True),
                Column("requested", _("Requested (GPU-h)"), "hours", True),
                Column("granted", _("Granted (GPU-h)"), "hours", True),
                Column("oversubscription", _("Oversubscription (×)"), "count"),
            ],
            rows=[
                {
                    "key": d.call_id,
                    "call": d.call,
                    "requested": d.requested,
                    "granted": d.granted,
                    "oversubscription": None
                    if d.oversubscription_permille is None
                    else _decimal(d.oversubscription_permille, 1000, 2),
                }
                for d in data.demand
            ],
            chart="bar",
            chart_unit=str(_("GPU-hours")),
        ),
    ]


# --- 4. fund and partners --------------------------------------------------------------------------------------


def fund_tables(data: selectors.FundFigures) -> list[Table]:
    return [
        Table(
            slug="tranches",
            title=str(_("Tranches")),
            caption=str(_("Euros per tranche: target, pledged (paid and open pledges), paid and guaranteed.")),
            columns=[
                Column("tranche", _("Tranche"), header=True),
                Column("target", _("Target"), "cents", True),
                Column("pledged", _("Pledged"), "cents", True),
                Column("paid", _("Paid"), "cents", True),
                Column("guaranteed", _("Guaranteed"), "cents", True),
            ],
            rows=[
                {
                    "key": t.tranche.pk,
                    "tranche": str(t.tranche),
                    "target": t.target,
                    "pledged": t.pledged,
                    "paid": t.paid,
                    "guaranteed": t.guaranteed,
                }
                for t in data.tranches
            ],
            chart="bar",
            chart_unit=str(_("EUR million")),
        ),
        Table(
            slug="partners",
            title=str(_("Partner entitlements and the hours their pools received")),
            caption=str(
                _(
                    "Entitlement: share of all paid-in contributions. Pool share: share of the partner-pool "
                    "GPU-hours within the Gigafactory and period filters."
                )
            ),
            columns=[
                Column("partner", _("Partner"), header=True),
                Column("paid_in", _("Paid in"), "cents"),
                Column("entitlement", _("Entitlement share"), "bp", True),
                Column("pool_hours", _("Pool GPU-hours"), "hours"),
                Column("pool_share", _("Pool share"), "bp", True),
                Column("gap", _("Difference (points)"), "bp"),
            ],
            rows=[
                {
                    "key": p.partner_id,
                    "partner": p.partner,
                    "paid_in": p.paid_in,
                    "entitlement": p.entitlement_bp,
                    "pool_hours": p.pool_seconds,
                    "pool_share": p.pool_bp,
                    "gap": p.gap_bp,
                }
                for p in data.partners
            ],
            chart="bar",
            chart_unit="%",
        ),
    ]


# --- 5. reviewers ------------------------------------------------------------------------------------------------


def reviewer_tables(rows: list[selectors.ReviewerLoad]) -> list[Table]:
    return [
        Table(
            slug="reviewers",
            title=str(_("Load per reviewer")),
            caption=str(
                _(
                    "Assignments held (awaiting an answer, accepted or completed), completed, open, overdue (open "
                    "past the due date) and the mean days from assignment to the submitted review."
                )
            ),
            columns=[
                Column("reviewer", _("Reviewer"), header=True),
                Column("assignments", _("Assignments"), "count"),
                Column("completed", _("Completed"), "count", True),
                Column("open", _("Open"), "count", True),
                Column("overdue", _("Overdue"), "count", True),
                Column("mean", _("Mean time to review"), "duration"),
            ],
            rows=[
                {
                    "key": r.reviewer_id,
                    "reviewer": r.reviewer,
                    "assignments": r.assignments,
                    "completed": r.completed,
                    "open": r.open,
                    "overdue": r.overdue,
                    "mean": r.mean_review_seconds,
                }
                for r in rows
            ],
            chart="horizontal" if len(rows) > 8 else "bar",
            chart_unit=str(_("assignments")),
            total={
                "key": "total",
                "reviewer": str(_("All")),
                "assignments": sum(r.assignments for r in rows),
                "completed": sum(r.completed for r in rows),
                "open": sum(r.open for r in rows),
                "overdue": sum(r.overdue for r in rows),
                "mean": None,
            }
            if rows
            else None,
        )
    ]
