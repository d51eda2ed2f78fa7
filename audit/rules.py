"""Who may read which part of the audit trail.

Superusers read everything. Call managers read calls, organisations and memberships (they run calls and check
applicants); allocation admins read organisations, memberships, change requests and the terms of access.
Users and platform roles, API tokens and authenticators are security records: superusers only. Other staff
and applicants have no audit page (403).
"""

from accounts.roles import PlatformRole, is_superuser, user_roles
from audit.models import ObjectType

READABLE_BY_ROLE: dict[str, frozenset[str]] = {
    PlatformRole.CALL_MANAGER: frozenset({ObjectType.CALL, ObjectType.ORGANISATION, ObjectType.MEMBERSHIP}),
    PlatformRole.ALLOCATION_ADMIN: frozenset(
        {ObjectType.ORGANISATION, ObjectType.MEMBERSHIP, ObjectType.CHANGE_REQUEST, ObjectType.TERMS}
    ),
}
AUDIT_READER_ROLES = frozenset(READABLE_BY_ROLE)


def readable_object_types(user) -> frozenset[str]:
    """The object types whose events ``user`` may read in this request (empty: no access)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if is_superuser(user):
        return frozenset(ObjectType.values)
    readable: set[str] = set()
    for role in user_roles(user):
        readable |= READABLE_BY_ROLE.get(role, frozenset())
    return frozenset(readable)
