"""Usage display helpers: the grant's usage for its panel, and the nav link for allocation admins."""

from django import template

from allocations.usage import selectors

register = template.Library()


@register.simple_tag
def grant_usage_panel(grant):
    """Usage, burn-down and forecast of ``grant`` (already checked visible by the view), with its chart data."""
    usage = selectors.grant_usage(grant=grant)
    return {"usage": usage, "chart": selectors.chart_data(usage)}


@register.filter
def usage_hours(seconds) -> str:
    return selectors.hours(int(seconds or 0))


@register.filter
def is_usage_admin(user) -> bool:
    return selectors.is_allocation_admin(user)
