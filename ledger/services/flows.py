"""The business flows of finance admins: pledge, payment, withdrawal, guarantee, in-kind contribution, reversal.
Each checks the role, builds transfers with a client-supplied id and raises a readable ``ValidationError``."""

import uuid
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from ledger.engine import (
    Result,
    TransferSpec,
)
from ledger.models import (
    Account,
    AccountCode,
    Ledger,
    LedgerUnit,
    OwnerKind,
    Partner,
    Tranche,
    Transfer,
    TransferCode,
)
from ledger.services.transfers import NAMESPACE, TransferResult, as_dict, transfers_create

# --- Business flows for finance admins -------------------------------------------------------------------------

RESULT_MESSAGES = {
    Result.EXCEEDS_CREDITS: gettext_lazy("The amount exceeds what the account holds."),
    Result.EXCEEDS_DEBITS: gettext_lazy("The amount exceeds what was contributed through this account."),
    Result.EXCEEDS_PENDING_AMOUNT: gettext_lazy("The amount exceeds the open amount."),
    Result.PENDING_TRANSFER_ALREADY_POSTED: gettext_lazy("This entry was already posted."),
    Result.PENDING_TRANSFER_ALREADY_VOIDED: gettext_lazy("This entry was already withdrawn."),
    Result.PENDING_TRANSFER_EXPIRED: gettext_lazy("This entry has expired."),
    Result.PENDING_TRANSFER_NOT_FOUND: gettext_lazy("No such open entry."),
    Result.PENDING_TRANSFER_NOT_PENDING: gettext_lazy("This entry is not open."),
    Result.EXISTS_WITH_DIFFERENT_FIELDS: gettext_lazy("An entry with this id already exists with other values."),
}


def _refused(result: Result, field: str = "amount") -> ValidationError:
    message = RESULT_MESSAGES.get(result) or _("The ledger refused the entry (%(code)s).") % {"code": result.value}
    return ValidationError({field: str(message)})


def _require_finance_admin(user: User) -> None:
    if not has_role(user, PlatformRole.FINANCE_ADMIN):
        raise PermissionDenied(_("Only finance admins can record ledger entries."))


def _require_positive(amount_cents: int) -> None:
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError({"amount_cents": _("Enter an amount above zero.")})


def _run(specs: Sequence[TransferSpec], *, by: User, field: str = "amount_cents", now=None) -> list[TransferResult]:
    """Apply a chain; raise ValidationError with the first refusal. ``exists`` (a double submit) is fine. ``now``:
    when the entries were made (default: the clock; a past day for records keyed in late)."""
    results = transfers_create(transfers=specs, by=by, now=now)
    for outcome in results:
        if outcome.result not in (Result.OK, Result.EXISTS, Result.LINKED_EVENT_FAILED):
            raise _refused(outcome.result, field)
    return results


def ledger_eur() -> Ledger:
    ledger, _created = Ledger.objects.get_or_create(
        code=Ledger.EUR, defaults={"name": "Euro contributions", "unit": LedgerUnit.EUR_CENT}
    )
    return ledger


# Partner accounts are debited (their balance is what they put in and may not go below zero); tranche accounts are
# credited (they may not give out more than they received).
_PARTNER_ACCOUNT_NAMES = {
    AccountCode.PARTNER_COMMITMENT: "cash",
    AccountCode.PARTNER_GUARANTEE: "guarantee",
    AccountCode.PARTNER_IN_KIND: "in kind",
}
_TRANCHE_ACCOUNT_NAMES = {
    AccountCode.TRANCHE_CAPITAL: "capital",
    AccountCode.TRANCHE_GUARANTEE: "guarantees",
    AccountCode.TRANCHE_IN_KIND: "in kind",
}


def partner_account(*, partner: Partner, code: AccountCode) -> Account:
    """The partner's EUR account of ``code``, opened on first use."""
    account, _created = Account.objects.get_or_create(
        ledger=ledger_eur(),
        code=code,
        partner=partner,
        tranche=None,
        owner_ref="",
        defaults={
            "owner_kind": OwnerKind.PARTNER,
            "name": f"{partner.name}: {_PARTNER_ACCOUNT_NAMES[code]}",
            "credits_must_not_exceed_debits": True,
        },
    )
    return account


def tranche_account(*, tranche: Tranche, code: AccountCode) -> Account:
    """The tranche's EUR account of ``code``, opened on first use."""
    account, _created = Account.objects.get_or_create(
        ledger=ledger_eur(),
        code=code,
        partner=None,
        tranche=tranche,
        owner_ref="",
        defaults={
            "owner_kind": OwnerKind.TRANCHE,
            "name": f"{tranche.name}: {_TRANCHE_ACCOUNT_NAMES[code]}",
            "debits_must_not_exceed_credits": True,
        },
    )
    return account


def _check_eligible(*, partner: Partner, tranche: Tranche) -> None:
    if not tranche.eligible_partners.filter(pk=partner.pk).exists():
        raise ValidationError(
            {"tranche": _("%(partner)s may not enter %(tranche)s.") % {"partner": partner, "tranche": tranche}}
        )


def _open_pending(
    *, partner, tranche, amount_cents, code, partner_code, tranche_code, reference, transfer_id, by, now=None
) -> Transfer:
    _require_finance_admin(by)
    _require_positive(amount_cents)
    _check_eligible(partner=partner, tranche=tranche)
    spec = TransferSpec(
        id=transfer_id or uuid.uuid4(),
        debit_account_id=partner_account(partner=partner, code=partner_code).pk,
        credit_account_id=tranche_account(tranche=tranche, code=tranche_code).pk,
        amount=amount_cents,
        code=code,
        pending=True,
        user_data=reference[:255],
    )
    _run([spec], by=by, now=now)
    return Transfer.objects.get(pk=spec.id)


def pledge_record(
    *,
    partner: Partner,
    tranche: Tranche,
    amount_cents: int,
    reference: str = "",
    transfer_id=None,
    by: User,
    now=None,
) -> Transfer:
    """A partner commits cash to a tranche: a pending transfer from its commitment account to the tranche."""
    return _open_pending(
        partner=partner,
        tranche=tranche,
        amount_cents=amount_cents,
        code=TransferCode.PLEDGE,
        partner_code=AccountCode.PARTNER_COMMITMENT,
        tranche_code=AccountCode.TRANCHE_CAPITAL,
        reference=reference,
        transfer_id=transfer_id,
        by=by,
        now=now,
    )


def guarantee_record(
    *,
    partner: Partner,
    tranche: Tranche,
    amount_cents: int,
    reference: str = "",
    transfer_id=None,
    by: User,
    now=None,
) -> Transfer:
    """A partner (typically the EU budget) guarantees a tranche: a contingent pending transfer, posted if called."""
    return _open_pending(
        partner=partner,
        tranche=tranche,
        amount_cents=amount_cents,
        code=TransferCode.GUARANTEE,
        partner_code=AccountCode.PARTNER_GUARANTEE,
        tranche_code=AccountCode.TRANCHE_GUARANTEE,
        reference=reference,
        transfer_id=transfer_id,
        by=by,
        now=now,
    )


def _open_pending_or_error(pending: Transfer) -> None:
    if not pending.pending:
        raise ValidationError({"pending": _("This entry is not open.")})


def pending_post(
    *,
    pending: Transfer,
    amount_cents: int | None = None,
    reference: str = "",
    transfer_id=None,
    by: User,
    now=None,
) -> Transfer:
    """Pay a pledge or call a guarantee, fully or partly.

    A partial amount posts that much and, in the same linked chain, re-opens the rest as a new pending transfer of
    the same kind, so the remaining commitment stays on record. Returns the posting transfer.
    """
    _require_finance_admin(by)
    _open_pending_or_error(pending)
    amount = pending.amount if amount_cents is None else amount_cents
    _require_positive(amount)
    transfer_id = transfer_id or uuid.uuid4()
    code = TransferCode.PAYMENT if pending.code == TransferCode.PLEDGE else pending.code
    post = TransferSpec(
        id=transfer_id,
        amount=amount,
        code=code,
        post_pending=True,
        pending_id=pending.pk,
        user_data=reference[:255],
    )
    specs = [post]
    if amount < pending.amount:
        post = TransferSpec(**{**as_dict(post), "linked": True})
        rest = TransferSpec(
            id=uuid.uuid5(NAMESPACE, f"remainder:{transfer_id}"),
            debit_account_id=pending.debit_account_id,
            credit_account_id=pending.credit_account_id,
            amount=pending.amount - amount,
            code=pending.code,
            pending=True,
            user_data=pending.user_data,
        )
        specs = [post, rest]
    _run(specs, by=by, now=now)
    return Transfer.objects.get(pk=transfer_id)


def pending_void(*, pending: Transfer, reference: str = "", transfer_id=None, by: User) -> Transfer:
    """Withdraw a pledge or release a guarantee: void the whole open amount."""
    _require_finance_admin(by)
    _open_pending_or_error(pending)
    transfer_id = transfer_id or uuid.uuid4()
    spec = TransferSpec(
        id=transfer_id, code=pending.code, void_pending=True, pending_id=pending.pk, user_data=reference[:255]
    )
    _run([spec], by=by, field="pending")
    return Transfer.objects.get(pk=transfer_id)


def in_kind_record(
    *, partner: Partner, tranche: Tranche, amount_cents: int, reference: str = "", transfer_id=None, by: User
) -> Transfer:
    """A contribution in kind (site, power, staff) valued in euros: posted at once."""
    _require_finance_admin(by)
    _require_positive(amount_cents)
    _check_eligible(partner=partner, tranche=tranche)
    spec = TransferSpec(
        id=transfer_id or uuid.uuid4(),
        debit_account_id=partner_account(partner=partner, code=AccountCode.PARTNER_IN_KIND).pk,
        credit_account_id=tranche_account(tranche=tranche, code=AccountCode.TRANCHE_IN_KIND).pk,
        amount=amount_cents,
        code=TransferCode.IN_KIND,
        user_data=reference[:255],
    )
    _run([spec], by=by)
    return Transfer.objects.get(pk=spec.id)


def reversal_id(transfer: Transfer) -> uuid.UUID:
    """The id of the (only) reversal of ``transfer``: a second request to reverse it is a harmless retry."""
    return uuid.uuid5(NAMESPACE, f"reversal:{transfer.pk}")


def transfer_reverse(*, transfer: Transfer, reason: str, by: User) -> Transfer:
    """Correct an erroneous posted entry with a reversing transfer of the same amount in the other direction.

    Pending entries are withdrawn (voided) instead. Reversing twice is a no-op (the reversal has a derived id).
    """
    _require_finance_admin(by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is reversed.")})
    if transfer.pending or transfer.void_pending:
        raise ValidationError({"transfer": _("Only posted entries can be reversed; withdraw open ones instead.")})
    if transfer.ledger_id != ledger_eur().pk:
        # GPU-seconds entries belong to the capacity, allocation and usage services; they correct their own.
        raise PermissionDenied(_("Only entries of the EUR ledger can be reversed here."))
    spec = TransferSpec(
        id=reversal_id(transfer),
        debit_account_id=transfer.credit_account_id,
        credit_account_id=transfer.debit_account_id,
        amount=transfer.amount,
        code=TransferCode.REVERSAL,
        user_data=f"{transfer.pk} {reason.strip()}"[:255],
    )
    results = transfers_create(transfers=[spec], by=by)
    if results[0].result is Result.EXISTS_WITH_DIFFERENT_FIELDS:
        raise ValidationError({"transfer": _("This entry was already reversed.")})
    if results[0].result is not Result.OK and results[0].result is not Result.EXISTS:
        raise _refused(results[0].result, "transfer")
    return Transfer.objects.get(pk=spec.id)
