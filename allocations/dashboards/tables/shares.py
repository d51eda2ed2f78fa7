"""Shares of the compute, the fund and its partners, and the reviewers' load as tables."""

from django.utils.translation import gettext_lazy as _

from allocations.dashboards import selectors
from allocations.dashboards.tables.base import Column, Table, _decimal

# --- 3. distribution ---------------------------------------------------------------------------------------------


def _share_table(slug: str, title, label, rows: list[selectors.ShareRow], total: int, highlight=()) -> Table:
    return Table(
        slug=slug,
        title=str(title),
        caption=str(_("GPU-hours granted (open and accepted offers) and used, and the share of all granted hours.")),
        columns=[
            Column("label", label, header=True),
            Column("grants", _("Awards"), "count"),
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
