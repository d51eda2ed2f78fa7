"""Cells of the dashboard tables: the text shown and the number the chart draws, from one raw value."""

from django import template

from allocations.dashboards import tables
from portal import units

register = template.Library()


@register.simple_tag
def cell_text(row: dict, column: tables.Column) -> str:
    return tables.display(column, row.get(column.key))


@register.simple_tag
def cell_chart(row: dict, column: tables.Column) -> str:
    return tables.chart_value(column, row.get(column.key))


@register.filter
def gpu_hours(seconds) -> str:
    return "" if seconds is None else tables.display(tables.Column("h", "", "hours"), seconds)


@register.filter
def whole_gpu_hours(seconds) -> int:
    """GPU-seconds as whole GPU-hours, the number a plural form agrees with."""
    return units.whole_gpu_hours(seconds or 0)


@register.filter
def percent(permille) -> str:
    """Permille as a percentage with one decimal (``123`` -> ``12.3 %``)."""
    return tables.display(tables.Column("p", "", "permille"), permille)


@register.filter
def reads_dashboards(user) -> bool:
    """Allocation admins, call managers and finance admins (the navigation shows them "Dashboards")."""
    from allocations.dashboards.selectors import dashboard_access

    return dashboard_access(user)
