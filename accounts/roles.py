"""Platform roles, held as Django groups. The data migration creates the groups and their permissions."""

from django.conf import settings
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PlatformRole(TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    CALL_MANAGER = "call manager", _("Call manager")
    ALLOCATION_ADMIN = "allocation admin", _("Allocation admin")
    FINANCE_ADMIN = "finance admin", _("Finance admin")


def user_roles(user) -> set[str]:
    """The platform roles of ``user`` (cached on the instance for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_platform_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=settings.STAFF_GROUPS).values_list("name", flat=True))
        user._platform_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles)) or bool(getattr(user, "is_superuser", False))


def is_allocation_admin(user) -> bool:
    """Allocation admins (and superusers) set capacity, run allocations, ingest usage and reclaim hours."""
    return user is not None and user.is_authenticated and has_role(user, PlatformRole.ALLOCATION_ADMIN)


def is_platform_staff(user) -> bool:
    """Members of a staff group, and superusers, must use MFA before opening staff pages."""
    return (
        bool(user_roles(user)) or bool(getattr(user, "is_superuser", False)) or bool(getattr(user, "is_staff", False))
    )
