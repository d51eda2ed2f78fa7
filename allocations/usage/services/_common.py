"""Shared by the usage services: the allocation-admin check and the ids of the ledger transfers they post."""

import uuid

from accounts.roles import require_allocation_admin as _require_admin  # noqa: F401 (the services check with it)
from allocations.capacity.services._common import REFRESH_SUMMARY  # noqa: F401 (shared with the usage services)

NAMESPACE = uuid.UUID("0b7f9a52-3f0e-4c1d-8a55-2f4d7c9e1b63")


def _transfer_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)
