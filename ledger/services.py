"""Writes of the partner-contribution ledger.

``transfers_create`` is the only write path of the journal and of the account counters. The business flows below it
(pledge, payment, withdrawal, guarantee, in-kind contribution, reversal) are for finance admins: each checks the role,
builds transfers with a client-supplied id (so a double submit moves nothing twice) and raises ``ValidationError``
with a readable message when the ledger refuses them.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from ledger.engine import (
    AccountState,
    PendingState,
    Result,
    StoredTransfer,
    TransferSpec,
    apply_batch,
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
from portal.sql import table

MAX_BATCH = 8190
CODES = frozenset(TransferCode.values)
# Transfer ids derived from a name (demo data, reversals) live in this namespace.
NAMESPACE = uuid.UUID("6f1c3c1e-2b53-4c44-9d4b-6a1f4b1d0e55")

_TRANSFER_COLUMNS = (
    "id, debit_account_id, credit_account_id, amount, ledger_id, code, pending, post_pending, void_pending, "
    "linked, pending_id, timeout, user_data"
)


@dataclass(frozen=True, slots=True)
class TransferResult:
    index: int
    id: uuid.UUID
    result: Result

    @property
    def ok(self) -> bool:
        return self.result is Result.OK


def _spec(item: TransferSpec | Mapping) -> TransferSpec:
    if isinstance(item, TransferSpec):
        return item
    values = dict(item)
    values["id"] = values["id"] if isinstance(values["id"], uuid.UUID) else uuid.UUID(str(values["id"]))
    if values.get("pending_id") is not None and not isinstance(values["pending_id"], uuid.UUID):
        values["pending_id"] = uuid.UUID(str(values["pending_id"]))
    return TransferSpec(**values)


def _stored(row) -> StoredTransfer:
    *fields, created_at = row
    return StoredTransfer(*fields, created_at=created_at.timestamp())


def transfers_create(
    *, transfers: Iterable[TransferSpec | Mapping], by: User | None, now: datetime | None = None
) -> list[TransferResult]:
    """Apply a batch of up to 8,190 transfers in one database transaction; one result per transfer, in order.

    Callers check permission (finance admins for the EUR flows, the allocation side for GPU-seconds); ``by`` is
    recorded as the author (``None`` for system jobs). Locks every touched account with ``select_for_update`` in
    id order, so concurrent batches never deadlock and never overdraw an account; validates in memory
    (``ledger.engine``), inserts the accepted transfers with one ``COPY`` and updates the counters with one
    ``UPDATE``. A retried transfer (same id and fields) returns ``exists`` and moves nothing. ``now`` (default: the
    clock) stamps the transfers and decides whether a pending transfer has timed out.
    """
    specs = [_spec(item) for item in transfers]
    if len(specs) > MAX_BATCH:
        raise ValidationError({"transfers": _("A batch holds at most %(max)d transfers.") % {"max": MAX_BATCH}})
    if not specs:
        return []
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _create(specs, by, now or timezone.now())
        except (IntegrityError, psycopg.errors.UniqueViolation):
            # A concurrent batch inserted one of our ids (or resolved one of our pending transfers) on accounts we
            # did not share a lock with. Retrying sees its rows and answers `exists` / `already posted`.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _array(values) -> str:
    """A PostgreSQL array literal of UUIDs or integers. psycopg's per-element array adaptation costs about 3 ms per
    1,000 values; a text literal cast on the server (``%s::uuid[]``, ``%s::bigint[]``) costs a tenth of that."""
    return "{" + ",".join(map(str, values)) + "}"


def _create(specs: list[TransferSpec], by: User | None, now: datetime) -> list[TransferResult]:
    ids = [spec.id for spec in specs]
    pending_ids = list({spec.pending_id for spec in specs if spec.pending_id is not None})
    transfer_table, account_table = table(Transfer), table(Account)
    connection.ensure_connection()
    # A server-side binding cursor: arrays of ids travel as parameters instead of being quoted into the SQL text.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute("SELECT set_config('ledger.write_path', 'transfers_create', true)")
        # Pending transfers are immutable, so reading them before taking locks is safe; it tells us their accounts.
        referenced: dict[uuid.UUID, StoredTransfer] = {}
        if pending_ids:
            cursor.execute(
                f"SELECT {_TRANSFER_COLUMNS}, created_at FROM {transfer_table} WHERE id = ANY(%s::uuid[])",  # noqa: S608
                [_array(pending_ids)],
            )
            referenced = {row[0]: _stored(row) for row in cursor.fetchall()}
        account_ids = {spec.debit_account_id for spec in specs} | {spec.credit_account_id for spec in specs}
        for pending in referenced.values():
            account_ids.update((pending.debit_account_id, pending.credit_account_id))
        account_ids.discard(None)
        accounts = {
            row[0]: AccountState(*row)
            for row in Account.objects.select_for_update()
            .filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [_array(account_ids)]))
            .order_by("pk")
            .values_list(
                "id",
                "ledger_id",
                "debits_must_not_exceed_credits",
                "credits_must_not_exceed_debits",
                "debits_pending",
                "debits_posted",
                "credits_pending",
                "credits_posted",
            )
        }
        # After the locks: committed retries and resolutions of our pending transfers are visible now.
        query = f"SELECT {_TRANSFER_COLUMNS}, created_at FROM {transfer_table} WHERE id = ANY(%s::uuid[])"  # noqa: S608
        params: list = [_array(ids)]
        if pending_ids:
            resolutions = "WHERE pending_id = ANY(%s::uuid[])"
            query += f" UNION ALL SELECT {_TRANSFER_COLUMNS}, created_at FROM {transfer_table} {resolutions}"  # noqa: S608
            params.append(_array(pending_ids))
        cursor.execute(query, params)
        existing = dict(referenced)
        pending_states: dict[uuid.UUID, PendingState] = {}
        for row in cursor.fetchall():
            stored = _stored(row)
            existing[stored.id] = stored
            if stored.post_pending:
                pending_states[stored.pending_id] = PendingState.POSTED
            elif stored.void_pending:
                pending_states[stored.pending_id] = PendingState.VOIDED
        outcome = apply_batch(
            specs,
            accounts=accounts,
            existing=existing,
            pending_states=pending_states,
            now=now.timestamp(),
            codes=CODES,
        )
        if outcome.accepted:
            created_by = by.pk if by is not None else None
            with cursor.copy(
                f"COPY {transfer_table} ({_TRANSFER_COLUMNS}, created_at, created_by_id) FROM STDIN"
            ) as copy:
                for t in outcome.accepted:
                    copy.write_row(
                        (
                            t.id,
                            t.debit_account_id,
                            t.credit_account_id,
                            t.amount,
                            t.ledger_id,
                            t.code,
                            t.pending,
                            t.post_pending,
                            t.void_pending,
                            t.linked,
                            t.pending_id,
                            t.timeout,
                            t.user_data,
                            now,
                            created_by,
                        )
                    )
        if outcome.deltas:
            account_ids_changed = list(outcome.deltas)
            columns = list(zip(*outcome.deltas.values(), strict=True))
            cursor.execute(
                f"UPDATE {account_table} AS a SET debits_pending = a.debits_pending + d.dp, "  # noqa: S608 - table names from model metadata
                "debits_posted = a.debits_posted + d.dpo, credits_pending = a.credits_pending + d.cp, "
                "credits_posted = a.credits_posted + d.cpo "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
                "AS d(id, dp, dpo, cp, cpo) WHERE a.id = d.id",
                [_array(account_ids_changed), *(_array(c) for c in columns)],
            )
        # Close the write path again: the caller's transaction may go on (an outer atomic block).
        cursor.execute("SELECT set_config('ledger.write_path', '', true)")
    return [
        TransferResult(index, spec.id, result)
        for index, (spec, result) in enumerate(zip(specs, outcome.results, strict=True))
    ]


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


def _run(specs: Sequence[TransferSpec], *, by: User, field: str = "amount_cents") -> list[TransferResult]:
    """Apply a chain; raise ValidationError with the first refusal. ``exists`` (a double submit) is fine."""
    results = transfers_create(transfers=specs, by=by)
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
    *, partner, tranche, amount_cents, code, partner_code, tranche_code, reference, transfer_id, by
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
    _run([spec], by=by)
    return Transfer.objects.get(pk=spec.id)


def pledge_record(
    *, partner: Partner, tranche: Tranche, amount_cents: int, reference: str = "", transfer_id=None, by: User
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
    )


def guarantee_record(
    *, partner: Partner, tranche: Tranche, amount_cents: int, reference: str = "", transfer_id=None, by: User
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
    )


def _open_pending_or_error(pending: Transfer) -> None:
    if not pending.pending:
        raise ValidationError({"pending": _("This entry is not open.")})


def pending_post(
    *, pending: Transfer, amount_cents: int | None = None, reference: str = "", transfer_id=None, by: User
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
        post = TransferSpec(**{**_as_dict(post), "linked": True})
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
    _run(specs, by=by)
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


def _as_dict(spec: TransferSpec) -> dict:
    return {name: getattr(spec, name) for name in TransferSpec.__slots__}


def pending_void_expired(*, batch_size: int = 1000, now: datetime | None = None) -> int:
    """Void every open pending transfer whose timeout has passed (system job, no acting user).

    Each void has an id derived from the pending transfer, so a rerun or a concurrent run voids nothing twice.
    Returns how many were voided. ``now`` defaults to the clock.
    """
    now = now or timezone.now()
    candidates = (
        Transfer.objects.filter(pending=True, timeout__gt=0)
        .exclude(Exists(Transfer.objects.filter(pending_id=OuterRef("pk"))))
        .values_list("pk", "code", "created_at", "timeout")
    )
    expired = [
        TransferSpec(id=uuid.uuid5(NAMESPACE, f"expired:{pk}"), code=code, void_pending=True, pending_id=pk)
        for pk, code, created_at, timeout in candidates
        if created_at + timezone.timedelta(seconds=timeout) <= now
    ]
    voided = 0
    for start in range(0, len(expired), batch_size):
        results = transfers_create(transfers=expired[start : start + batch_size], by=None, now=now)
        voided += sum(1 for r in results if r.result is Result.OK)
    return voided
