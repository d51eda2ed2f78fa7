"""Platform roles, held as Django groups. The data migration creates the groups and their permissions.

Staff power needs two-factor authentication. The user object of a request carries ``mfa_passed`` (set by
``accounts.middleware.AuthenticationMiddleware`` for sessions and by the token authentication for API tokens);
when it is ``False`` every check here answers as for a user without a platform role, so a view that asks
``has_role`` or ``is_platform_staff`` cannot hand staff power to a session that skipped TOTP. A user object that
was not marked (a service called from a task, the shell, another user loaded from the database) keeps its roles.

``held_roles`` and ``holds_staff_role`` ignore the MFA state: they are for navigation and for deciding where to
send a staff member who still has to pass TOTP, never for granting anything.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PlatformRole(TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    CALL_MANAGER = "call manager", _("Call manager")
    ALLOCATION_ADMIN = "allocation admin", _("Allocation admin")
    FINANCE_ADMIN = "finance admin", _("Finance admin")


def held_roles(user) -> set[str]:
    """The platform roles ``user`` holds in the database (cached on the instance), whatever the MFA state."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_platform_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=settings.STAFF_GROUPS).values_list("name", flat=True))
        user._platform_roles = cached
    return cached


def holds_staff_role(user) -> bool:
    """A member of a staff group, an admin-site user or a superuser, whether or not this request passed MFA."""
    if not getattr(user, "is_authenticated", False):
        return False
    admin_flags = bool(getattr(user, "is_superuser", False)) or bool(getattr(user, "is_staff", False))
    return bool(held_roles(user)) or admin_flags


def may_use_staff_roles(user) -> bool:
    """False when the request of ``user`` did not pass MFA (see the module docstring)."""
    return getattr(user, "mfa_passed", None) is not False


def _withheld(user) -> bool:
    """True when staff power is withheld for lack of MFA; remembered so the response can ask for MFA."""
    if may_use_staff_roles(user):
        return False
    if holds_staff_role(user):
        user.mfa_would_help = True
    return True


def user_roles(user) -> set[str]:
    """The platform roles ``user`` may exercise in this request."""
    if _withheld(user):
        return set()
    return held_roles(user)


def is_superuser(user) -> bool:
    """A superuser whose request passed MFA (or outside a request)."""
    return bool(getattr(user, "is_superuser", False)) and not _withheld(user)


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles)) or is_superuser(user)


def is_allocation_admin(user) -> bool:
    """Allocation admins (and superusers) set capacity, run allocations, ingest usage and reclaim hours."""
    return user is not None and user.is_authenticated and has_role(user, PlatformRole.ALLOCATION_ADMIN)


def require_allocation_admin(user) -> None:
    """For services: raise ``PermissionDenied`` unless ``user`` is an allocation admin (``None``, the portal's own
    jobs, is refused too: such jobs do not call the checked entry points)."""
    if not is_allocation_admin(user):
        raise PermissionDenied(_("Only allocation admins can do this."))


def is_platform_staff(user) -> bool:
    """Staff that may act as staff now: a role, admin-site access or superuser, and MFA passed."""
    return holds_staff_role(user) and not _withheld(user)
