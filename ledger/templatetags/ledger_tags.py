"""Display helpers for ledger amounts (euro cents, GPU-seconds)."""

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from ledger.boundary import FINANCE_LEDGER
from ledger.models import LedgerUnit, TransferCode
from ledger.selectors import is_finance_admin, is_partner_contact
from portal import l10n, units

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """12345 -> "€123.45" ("123,45 €" in German); whole euros without decimals: 250000000 -> "€2,500,000"."""
    return l10n.money(cents)


def gpu_hours(seconds: int) -> str:
    """GPU-seconds as GPU-hours: 5_400_000 -> "1,500 GPU-h"; 5_400 -> "1.5 GPU-h"."""
    value = units.gpu_hours(int(seconds))
    decimals = 0 if isinstance(value, int) else 1
    return _("%(hours)s GPU-h") % {"hours": formats.number_format(value, decimal_pos=decimals, force_grouping=True)}


@register.filter
def ledger_amount(transfer) -> str:
    """A journal entry's amount in its ledger's unit: euros for the EUR ledger, GPU-hours for GPU-seconds."""
    if transfer.ledger.unit == LedgerUnit.GPU_SECOND:
        return gpu_hours(transfer.amount)
    return euros(transfer.amount)


@register.filter
def finance_reversible(transfer) -> bool:
    """Whether finance may reverse this entry: a posted, non-reversal entry of the EUR ledger (GPU-seconds entries
    are corrected by the capacity, allocation and usage services themselves)."""
    return (
        transfer.ledger.code == FINANCE_LEDGER
        and not transfer.pending
        and not transfer.void_pending
        and transfer.code != TransferCode.REVERSAL
    )


@register.filter
def signed_euros(cents: int) -> str:
    """A movement: "+€10", "-€10" or an empty string for zero."""
    if not cents:
        return ""
    return ("+" if cents > 0 else "") + euros(cents)


@register.filter
def basis_points(value: int) -> str:
    """2500 -> "25.00%" ("25,00 %" in German and French)."""
    return l10n.percent(l10n.ratio(int(value), 100, 2), 2)


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
