"""The staff home: which tools each platform role gets.

Apps add their staff pages (under ``/staff/``) with ``register_staff_tool`` in their ``AppConfig.ready()``.
A tool whose URL does not resolve yet is left out, so the list grows as the apps land.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import PlatformRole, is_superuser, user_roles

ALL_ROLES = frozenset(PlatformRole.values)


@dataclass(frozen=True)
class StaffTool:
    title: str | Promise
    description: str | Promise
    url_name: str
    roles: frozenset[str] = ALL_ROLES  # empty: no platform role needed (the other checks still apply)
    permission: str | None = None  # a Django permission the user must also hold
    admin_site: bool = False  # a page of the Django admin: needs "admin site access" (is_staff)
    url_kwargs: dict = field(default_factory=dict)


_TOOLS: list[StaffTool] = [
    StaffTool(
        title=_("Organisations and members"),
        description=_("Look up applicant organisations, their VAT numbers, PICs and members."),
        url_name="admin:accounts_organisation_changelist",
        roles=frozenset({PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN, PlatformRole.FINANCE_ADMIN}),
        permission="accounts.view_organisation",
        admin_site=True,
    ),
    StaffTool(
        title=_("Users and platform roles"),
        description=_("Assign the reviewer, call manager, allocation admin and finance admin roles."),
        url_name="admin:accounts_user_changelist",
        roles=frozenset(),
        permission="accounts.change_user",
        admin_site=True,
    ),
    StaffTool(
        title=_("Administration"),
        description=_("The Django admin site, with every record the portal keeps."),
        url_name="admin:index",
        roles=frozenset(),
        admin_site=True,
    ),
]


def register_staff_tool(tool: StaffTool) -> None:
    """Apps call this from ``AppConfig.ready()``; registering the same URL name twice is a no-op."""
    if all(existing.url_name != tool.url_name for existing in _TOOLS):
        _TOOLS.insert(len(_TOOLS) - 1, tool)  # the generic admin link stays last


def staff_tools_for(user) -> list[tuple[StaffTool, str]]:
    """The tools ``user`` may open, each with its URL. Superusers see every tool."""
    roles = user_roles(user)
    result = []
    for tool in _TOOLS:
        if not is_superuser(user):
            if tool.roles and not (tool.roles & roles):
                continue
            if tool.admin_site and not user.is_staff:
                continue
            if tool.permission and not user.has_perm(tool.permission):
                continue
        try:
            url = reverse(tool.url_name, kwargs=tool.url_kwargs or None)
        except NoReverseMatch:
            continue
        result.append((tool, url))
    return result
