"""Display helpers for amounts held in euro cents."""

from django import template
from django.urls import reverse

from ledger.selectors import is_finance_admin, is_partner_contact

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """12345 -> "EUR 123.45"; whole euros without decimals: 250000000 -> "EUR 2,500,000"."""
    if cents is None or cents == "":
        return "—"
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}EUR {whole:,}.{rest:02d}" if rest else f"{sign}EUR {whole:,}"


@register.filter
def signed_euros(cents: int) -> str:
    """A movement: "+EUR 10", "-EUR 10" or an empty string for zero."""
    if not cents:
        return ""
    return ("+" if cents > 0 else "") + euros(cents)


@register.filter
def basis_points(value: int) -> str:
    """2500 -> "25.00 %"."""
    whole, rest = divmod(int(value), 100)
    return f"{whole}.{rest:02d} %"


@register.simple_tag
def ledger_nav_url(user) -> str:
    """Where the navigation's ledger link points for ``user``: the finance overview for finance admins, the
    statements for partner contacts, nowhere (empty) for everybody else."""
    if not user.is_authenticated:
        return ""
    if is_finance_admin(user):
        return reverse("ledger:overview")
    if is_partner_contact(user):
        return reverse("ledger:partner_list")
    return ""
