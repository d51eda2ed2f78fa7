"""Shared by the usage services: the allocation-admin check and the ids of the ledger transfers they post."""

import uuid

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.capacity.services._common import REFRESH_SUMMARY  # noqa: F401 (shared with the usage services)
from allocations.usage import selectors

NAMESPACE = uuid.UUID("0b7f9a52-3f0e-4c1d-8a55-2f4d7c9e1b63")


def _require_admin(user: User | None) -> None:
    if user is None or not selectors.is_allocation_admin(user):
        raise PermissionDenied(_("Only allocation admins can do this."))


def _transfer_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)
