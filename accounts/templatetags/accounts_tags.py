"""Template helpers for accounts: ``{% load accounts_tags %}``."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.roles import holds_staff_role

register = template.Library()


@register.filter
def is_platform_staff(user) -> bool:
    """True for members of a staff group, admin-site users and superusers: the navigation shows them the staff
    link even before this session passed MFA (the link then leads to TOTP set-up). Grants nothing."""
    return bool(user and user.is_authenticated and holds_staff_role(user))


@register.simple_tag
def orcid_link(user) -> str:
    """The person's ORCID iD as a link to its public record, or nothing when they have not given one."""
    orcid = getattr(user, "orcid", "")
    if not orcid:
        return ""
    return format_html(
        '<a class="orcid" href="https://orcid.org/{0}" rel="noopener"><abbr title="{1}">ORCID</abbr> {0}</a>',
        orcid,
        _("Open Researcher and Contributor ID"),
    )
