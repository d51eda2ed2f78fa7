"""Display helpers of the capacity pages: GPU-seconds as GPU-hours, status badges and the navigation link."""

from django import template
from django.urls import reverse
from django.utils import formats

from allocations.capacity.selectors import hours, is_allocation_admin
from allocations.capacity.selectors.awards import waitlist_place
from ledger.models import Partner
from portal import l10n, units

register = template.Library()

BADGES = {
    "queued": "text-bg-secondary",
    "running": "text-bg-info",
    "succeeded": "text-bg-primary",
    "failed": "text-bg-danger",
    "committed": "text-bg-success",
    "discarded": "text-bg-light border",
    "offered": "text-bg-warning",
    "accepted": "text-bg-primary",
    "active": "text-bg-success",
    "declined": "text-bg-secondary",
    "expired": "text-bg-secondary",
    "closed": "text-bg-light border",
    "full": "text-bg-success",
    "partial": "text-bg-primary",
    "waitlisted": "text-bg-secondary",
    # change requests
    "awaiting_consent": "text-bg-warning",
    "submitted": "text-bg-info",
    "approved": "text-bg-success",
    "refused": "text-bg-danger",
    "withdrawn": "text-bg-secondary",
}


@register.filter
def gpu_hours(seconds) -> str:
    """7_200 -> "2"; 5_400 -> "1.5" (GPU-hours, grouped digits)."""
    if seconds is None or seconds == "":
        return "—"
    return hours(int(seconds))


@register.filter
def whole_gpu_hours(seconds) -> str:
    """Pool sizes and balances in whole GPU-hours (rounded), grouped: a pool's share of the capacity is rarely a
    whole number of hours, and "184,751,720.4" reads as false precision."""
    if seconds is None or seconds == "":
        return "—"
    return formats.number_format(round(int(seconds) / units.SECONDS_PER_HOUR), force_grouping=True)


@register.filter
def badge(status: str) -> str:
    return BADGES.get(str(status), "text-bg-light border")


@register.filter
def percent_bp(value) -> str:
    """Basis points as a percentage: 2500 -> "25.00%" ("25,00 %" in German and French)."""
    return l10n.percent(l10n.ratio(int(value or 0), 100, 2), 2)


@register.simple_tag
def allocation_nav_url(user) -> str:
    """The staff allocation pages for allocation admins; nothing for everybody else."""
    return reverse("capacity_home") if user.is_authenticated and is_allocation_admin(user) else ""


@register.simple_tag
def partner_awards_nav_url(user) -> str:
    """The partner pools' award page for allocation admins and partner contacts; nothing for everybody else."""
    if not user.is_authenticated:
        return ""
    if is_allocation_admin(user) or Partner.objects.filter(contact_users=user).exists():
        return reverse("partner_awards")
    return ""


@register.inclusion_tag("allocations/capacity/_waitlist_place.html")
def waitlist_status(application):
    """For the applicant: the application's place on the waitlist and that it may still get an offer."""
    return {"place": waitlist_place(application=application)}
