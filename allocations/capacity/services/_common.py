"""Shared by the capacity services: the allocation-admin check and the GPU-second ledger, its accounts and its
transfers (ids derived from what they record, posted in batches)."""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import require_allocation_admin as _require_admin  # noqa: F401 (the services check with it)
from allocations.models import Gigafactory
from ledger.engine import Result, TransferSpec
from ledger.models import Account, AccountCode, Ledger, LedgerUnit, OwnerKind
from ledger.services import MAX_BATCH, transfers_create

# The dashboards' summary rebuild: queued by name after the writes that change what it shows (the dashboards
# context sits above this one and is not imported here).
REFRESH_SUMMARY = "allocations.dashboards.refresh_usage_summary"

# Ledger transfer ids of this module are derived from what they record, in their own namespace.
NAMESPACE = uuid.UUID("1d0c6a43-5d8e-4d53-8f1e-63a2b0c7e9a1")


def _transfer_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def _post(specs: list[TransferSpec], *, by: User | None, field: str = "__all__") -> None:
    """Apply transfers in batches inside the caller's transaction; any refusal raises and rolls everything back."""
    for start in range(0, len(specs), MAX_BATCH):
        for outcome in transfers_create(transfers=specs[start : start + MAX_BATCH], by=by):
            if outcome.result not in (Result.OK, Result.EXISTS):
                raise ValidationError(
                    {field: _("The ledger refused the transfer (%(code)s).") % {"code": outcome.result.value}}
                )


# --- the GPU-second ledger ----------------------------------------------------------------------------------------


def gpu_ledger() -> Ledger:
    ledger, _created = Ledger.objects.get_or_create(
        code=Ledger.GPU, defaults={"name": "GPU-seconds", "unit": LedgerUnit.GPU_SECOND}
    )
    return ledger


def _operator_account(gigafactory: Gigafactory) -> Account:
    """Where a Gigafactory's compute comes from: its debit balance is all the capacity it has provided."""
    account, _created = Account.objects.get_or_create(
        ledger=gpu_ledger(),
        code=AccountCode.OPERATOR,
        partner=None,
        tranche=None,
        owner_ref=f"gigafactory:{gigafactory.pk}",
        defaults={"owner_kind": OwnerKind.SYSTEM, "name": f"{gigafactory.name}: compute provided"},
    )
    return account


def _new_account(*, code: str, owner_kind: str, owner_ref: str, name: str, ledger: Ledger) -> Account:
    # "No overdraft": nothing leaves a capacity, pool or grant account beyond what came in.
    return Account(
        ledger=ledger,
        code=code,
        owner_kind=owner_kind,
        owner_ref=owner_ref,
        name=name[:200],
        debits_must_not_exceed_credits=True,
    )
