"""Template helpers for accounts: ``{% load accounts_tags %}``."""

from django import template

from accounts.roles import holds_staff_role

register = template.Library()


@register.filter
def is_platform_staff(user) -> bool:
    """True for members of a staff group, admin-site users and superusers: the navigation shows them the staff
    link even before this session passed MFA (the link then leads to TOTP set-up). Grants nothing."""
    return bool(user and user.is_authenticated and holds_staff_role(user))
