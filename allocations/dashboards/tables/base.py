"""Columns and tables, and the formatting of their raw integer cells for the page, the chart and the CSV."""

import datetime
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from portal import l10n
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
    """A cell as shown in the HTML table, in the active language: "13.59%" / "13,59 %", "€12,000" / "12.000 €",
    cut-offs in Brussels time with the zone named (a raw SQL row's datetime is UTC)."""
    if value is None:
        return "—"
    if column.kind == "hours":
        return l10n.number(whole_gpu_hours(value))
    if column.kind == "count":
        return l10n.number(value)
    if column.kind == "permille":
        return l10n.percent(l10n.ratio(value, 10, 1), 1)
    if column.kind == "bp":
        return l10n.percent(l10n.ratio(value, 100, 2), 2)
    if column.kind == "cents":
        return l10n.money(value, show_cents=False)
    if column.kind == "duration":
        return _("%(days)s d") % {"days": l10n.number(l10n.ratio(value, SECONDS_PER_DAY, 1), 1)}
    if column.kind == "datetime" and isinstance(value, datetime.datetime):
        return l10n.deadline(value)
    return str(value)


def chart_value(column: Column, value) -> str:
    """A cell in the chart's unit: GPU-hours, percent, EUR million, days or the count itself."""
    if value is None:
        return "0"
    number = _plain_number(column, value, cents_divisor=100_000_000)
    return str(value) if number is None else number
