"""Who may write which ledger with which transfer codes through the raw transfers API.

The GPU-seconds ledger is written only by the capacity, allocation and usage services (they call
``ledger.services.transfers_create`` themselves, inside their own checks). Finance admins write the EUR ledger,
and only with the codes of the finance flows (pledge, payment, guarantee, in-kind contribution, reversal):
anything else would let a finance role mint GPU quota for a grant, or book capacity, pool or usage entries that
the allocation side never made.
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from ledger.engine import TransferSpec
from ledger.models import Account, Ledger, Transfer, TransferCode
from ledger.services import TransferResult, transfers_create

FINANCE_LEDGER = Ledger.EUR
FINANCE_CODES = frozenset(
    {TransferCode.PLEDGE, TransferCode.PAYMENT, TransferCode.GUARANTEE, TransferCode.IN_KIND, TransferCode.REVERSAL}
)


def finance_refusal(*, ledger_code: str | None, code: str) -> str | None:
    """Why a finance admin may not write a transfer of ``code`` on the ledger ``ledger_code`` (None: allowed).

    ``ledger_code`` is None when the transfer names no existing account or ledger (the engine then answers
    ``debit_account_not_found`` and the like)."""
    if ledger_code is not None and ledger_code != FINANCE_LEDGER:
        return _(
            "The %(ledger)s ledger is written only by the capacity, allocation and usage services; "
            "the transfers API accepts only the %(eur)s ledger."
        ) % {"ledger": ledger_code, "eur": FINANCE_LEDGER}
    if code not in FINANCE_CODES:
        return _(
            "Transfers with the code “%(code)s” are written only by the capacity, allocation and usage services; "
            "allowed here: %(codes)s."
        ) % {"code": code, "codes": ", ".join(sorted(FINANCE_CODES))}
    return None


def _value(item: TransferSpec | Mapping, name: str):
    return getattr(item, name) if isinstance(item, TransferSpec) else item.get(name)


def _ledgers_touched(items: list[TransferSpec | Mapping]) -> list[set[str]]:
    """For each transfer, the codes of the ledgers it names: its accounts, its ledger and its pending transfer's."""
    account_ids = {_value(t, f) for t in items for f in ("debit_account_id", "credit_account_id")} - {None}
    ledger_ids = {_value(t, "ledger_id") for t in items} - {None}
    pending_ids = {_value(t, "pending_id") for t in items} - {None}
    of_account = dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "ledger__code"))
    of_ledger = dict(Ledger.objects.filter(pk__in=ledger_ids).values_list("pk", "code"))
    pending = Transfer.objects.filter(pk__in=pending_ids).values_list("pk", "ledger__code")
    of_pending = {str(pk): code for pk, code in pending}
    touched = []
    for t in items:
        codes = {of_account.get(_value(t, "debit_account_id")), of_account.get(_value(t, "credit_account_id"))}
        codes |= {of_ledger.get(_value(t, "ledger_id")), of_pending.get(str(_value(t, "pending_id")))}
        touched.append(codes - {None})
    return touched


def finance_transfers_create(*, transfers: Iterable[TransferSpec | Mapping], by: User) -> list[TransferResult]:
    """The raw write path of finance admins (``POST /api/v1/ledger/transfers/``).

    Raises ``PermissionDenied`` with the reason (naming the transfer's position in the batch) unless ``by`` is a
    finance admin and every transfer stays on the EUR ledger with a finance flow's code; nothing of the batch is
    written then. Otherwise the same as ``transfers_create``."""
    if not has_role(by, PlatformRole.FINANCE_ADMIN):
        raise PermissionDenied(_("Only finance admins can write to the ledger."))
    items = list(transfers)
    for index, (item, ledgers) in enumerate(zip(items, _ledgers_touched(items), strict=True)):
        reasons = [finance_refusal(ledger_code=code, code=_value(item, "code")) for code in sorted(ledgers) or [None]]
        reason = next((r for r in reasons if r), None)
        if reason:
            raise PermissionDenied(_("Transfer %(index)d: %(reason)s") % {"index": index, "reason": reason})
    return transfers_create(transfers=items, by=by)
