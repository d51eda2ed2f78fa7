"""Template helpers for accounts: ``{% load accounts_tags %}``."""

from django import template

from accounts.roles import is_platform_staff as _is_platform_staff

register = template.Library()


@register.filter
def is_platform_staff(user) -> bool:
    """True for members of a staff group, admin-site users and superusers (they may open /staff/)."""
    return bool(user and user.is_authenticated and _is_platform_staff(user))
