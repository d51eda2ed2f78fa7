"""The ledger's validation and balance rules, as pure Python (no Django, no I/O).

``services.transfers_create`` loads the touched accounts (locked) and the relevant existing transfers, hands them to
:func:`apply_batch`, then writes the accepted transfers and the account deltas it returns. Keeping the rules here
keeps the write path to a handful of database round trips per batch, whatever the batch size.

Semantics follow TigerBeetle's accounting model:

- a transfer moves ``amount`` (a positive integer) from its debit account to its credit account of one ledger;
- a *pending* transfer reserves the amount (``debits_pending`` / ``credits_pending``); a later *post_pending*
  transfer posts all or part of it (the rest is released), a *void_pending* transfer releases all of it; one pending
  transfer is posted or voided at most once;
- an account flagged ``debits_must_not_exceed_credits`` refuses a transfer that would make
  ``debits_pending + debits_posted > credits_posted`` (``exceeds_credits``), and symmetrically for
  ``credits_must_not_exceed_debits`` (``exceeds_debits``); pending amounts count against the limit;
- transfers flagged ``linked`` chain to the next one; the chain succeeds or fails as a whole: the failing transfer
  reports its own result and every other member ``linked_event_failed``;
- a transfer whose id already exists is not applied again: ``exists`` when every field matches (a retry),
  ``exists_with_different_fields`` otherwise. ``exists`` does not fail a chain, so a retried chain is a no-op.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

INT64_MAX = 2**63 - 1


class Result(StrEnum):
    OK = "ok"
    EXISTS = "exists"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    LEDGER_MISMATCH = "ledger_mismatch"
    CODE_INVALID = "code_invalid"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_REQUIRED = "pending_id_required"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT = "pending_transfer_has_different_debit_account"
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT = "pending_transfer_has_different_credit_account"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    EXCEEDS_PENDING_AMOUNT = "exceeds_pending_amount"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"
    OVERFLOWS = "overflows"


# Results after which nothing was written for the transfer but the batch may go on (a chain is not failed by them).
SUCCESSFUL = frozenset({Result.OK, Result.EXISTS})


@dataclass(frozen=True, slots=True)
class TransferSpec:
    """A transfer as a client asks for it. For post/void, accounts, ledger and amount may be left empty (inherited
    from the pending transfer; amount 0 posts the full pending amount)."""

    id: UUID
    debit_account_id: int | None = None
    credit_account_id: int | None = None
    amount: int = 0
    ledger_id: int | None = None
    code: str = ""
    pending: bool = False
    post_pending: bool = False
    void_pending: bool = False
    linked: bool = False
    pending_id: UUID | None = None
    timeout: int = 0
    user_data: str = ""


@dataclass(slots=True)  # not frozen: a frozen dataclass is noticeably slower to build, and we build one per transfer
class StoredTransfer:
    """A transfer as written in the journal (all fields resolved). ``created_at`` is a Unix timestamp."""

    id: UUID
    debit_account_id: int
    credit_account_id: int
    amount: int
    ledger_id: int
    code: str
    pending: bool
    post_pending: bool
    void_pending: bool
    linked: bool
    pending_id: UUID | None
    timeout: int
    user_data: str
    created_at: float = 0.0

    @property
    def expires_at(self) -> float | None:
        return self.created_at + self.timeout if self.pending and self.timeout else None


@dataclass(slots=True)
class AccountState:
    id: int
    ledger_id: int
    debits_must_not_exceed_credits: bool
    credits_must_not_exceed_debits: bool
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    def counters(self) -> tuple[int, int, int, int]:
        return (self.debits_pending, self.debits_posted, self.credits_pending, self.credits_posted)


@dataclass(slots=True)
class BatchOutcome:
    results: list[Result]
    accepted: list[StoredTransfer]
    # account id -> (debits_pending, debits_posted, credits_pending, credits_posted) deltas, non-zero ones only
    deltas: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)


class PendingState(StrEnum):
    POSTED = "posted"
    VOIDED = "voided"


def _matches(stored: StoredTransfer, spec: TransferSpec) -> bool:
    """Does a retried ``spec`` ask for exactly what ``stored`` recorded? Empty inherited fields match."""
    is_resolution = spec.post_pending or spec.void_pending
    return (
        stored.pending == spec.pending
        and stored.post_pending == spec.post_pending
        and stored.void_pending == spec.void_pending
        and stored.linked == spec.linked
        and stored.pending_id == spec.pending_id
        and stored.timeout == spec.timeout
        and stored.user_data == spec.user_data
        and stored.code == spec.code
        and (spec.debit_account_id == stored.debit_account_id or (is_resolution and spec.debit_account_id is None))
        and (spec.credit_account_id == stored.credit_account_id or (is_resolution and spec.credit_account_id is None))
        and (spec.ledger_id == stored.ledger_id or spec.ledger_id is None)
        and (spec.amount == stored.amount or (is_resolution and not spec.amount))
    )


class _Batch:
    def __init__(self, accounts, existing, pending_states, now, codes):
        self.accounts: dict[int, AccountState] = accounts
        self.existing: dict[UUID, StoredTransfer] = existing
        self.pending_states: dict[UUID, PendingState] = pending_states
        self.now = now
        self.codes = codes
        self.created: dict[UUID, StoredTransfer] = {}
        # undo log of the chain being applied: account snapshots, created ids, resolved pending ids
        self.undo_accounts: list[tuple[AccountState, tuple[int, int, int, int]]] = []
        self.undo_created: list[UUID] = []
        self.undo_pending: list[UUID] = []

    def lookup(self, transfer_id: UUID) -> StoredTransfer | None:
        return self.created.get(transfer_id) or self.existing.get(transfer_id)

    def _touch(self, account: AccountState) -> None:
        self.undo_accounts.append((account, account.counters()))

    def rollback_chain(self) -> None:
        for account, (dp, dpo, cp, cpo) in reversed(self.undo_accounts):
            account.debits_pending, account.debits_posted = dp, dpo
            account.credits_pending, account.credits_posted = cp, cpo
        for transfer_id in self.undo_created:
            del self.created[transfer_id]
        for pending_id in self.undo_pending:
            del self.pending_states[pending_id]
        self.commit_chain()

    def commit_chain(self) -> None:
        self.undo_accounts.clear()
        self.undo_created.clear()
        self.undo_pending.clear()

    def apply(self, spec: TransferSpec) -> Result:
        stored = self.lookup(spec.id)
        if stored is not None:
            return Result.EXISTS if _matches(stored, spec) else Result.EXISTS_WITH_DIFFERENT_FIELDS
        if spec.pending + spec.post_pending + spec.void_pending > 1:
            return Result.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if self.codes is not None and spec.code not in self.codes:
            return Result.CODE_INVALID
        if spec.post_pending or spec.void_pending:
            return self._resolve_pending(spec)
        return self._move(spec)

    def _record(self, spec: TransferSpec, debit: int, credit: int, amount: int, ledger: int) -> None:
        row = StoredTransfer(
            id=spec.id,
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            ledger_id=ledger,
            code=str(spec.code),
            pending=spec.pending,
            post_pending=spec.post_pending,
            void_pending=spec.void_pending,
            linked=spec.linked,
            pending_id=spec.pending_id,
            timeout=spec.timeout,
            user_data=spec.user_data,
            created_at=self.now,
        )
        self.created[spec.id] = row
        self.undo_created.append(spec.id)

    def _move(self, spec: TransferSpec) -> Result:
        if spec.pending_id is not None:
            return Result.PENDING_ID_MUST_BE_ZERO
        if spec.timeout and not spec.pending:
            return Result.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if spec.timeout < 0:
            return Result.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if spec.amount <= 0:
            return Result.AMOUNT_MUST_BE_POSITIVE
        if spec.debit_account_id is not None and spec.debit_account_id == spec.credit_account_id:
            return Result.ACCOUNTS_MUST_BE_DIFFERENT
        debit = self.accounts.get(spec.debit_account_id)  # type: ignore[arg-type]
        if debit is None:
            return Result.DEBIT_ACCOUNT_NOT_FOUND
        credit = self.accounts.get(spec.credit_account_id)  # type: ignore[arg-type]
        if credit is None:
            return Result.CREDIT_ACCOUNT_NOT_FOUND
        ledger = debit.ledger_id if spec.ledger_id is None else spec.ledger_id
        if debit.ledger_id != credit.ledger_id or ledger != debit.ledger_id:
            return Result.LEDGER_MISMATCH
        amount = spec.amount
        if (
            debit.debits_pending + debit.debits_posted + amount > INT64_MAX
            or credit.credits_pending + credit.credits_posted + amount > INT64_MAX
        ):
            return Result.OVERFLOWS
        if (
            debit.debits_must_not_exceed_credits
            and debit.debits_pending + debit.debits_posted + amount > debit.credits_posted
        ):
            return Result.EXCEEDS_CREDITS
        if (
            credit.credits_must_not_exceed_debits
            and credit.credits_pending + credit.credits_posted + amount > credit.debits_posted
        ):
            return Result.EXCEEDS_DEBITS
        self._touch(debit)
        self._touch(credit)
        if spec.pending:
            debit.debits_pending += amount
            credit.credits_pending += amount
        else:
            debit.debits_posted += amount
            credit.credits_posted += amount
        self._record(spec, debit.id, credit.id, amount, ledger)
        return Result.OK

    def _resolve_pending(self, spec: TransferSpec) -> Result:
        pending = self._resolvable(spec)
        if isinstance(pending, Result):
            return pending
        if spec.post_pending:
            expires_at = pending.expires_at
            if expires_at is not None and self.now >= expires_at:
                return Result.PENDING_TRANSFER_EXPIRED
            amount = spec.amount or pending.amount
            if amount > pending.amount:
                return Result.EXCEEDS_PENDING_AMOUNT
        else:
            if spec.amount and spec.amount != pending.amount:
                return Result.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
            amount = pending.amount
        debit = self.accounts[pending.debit_account_id]
        credit = self.accounts[pending.credit_account_id]
        self._touch(debit)
        self._touch(credit)
        debit.debits_pending -= pending.amount
        credit.credits_pending -= pending.amount
        if spec.post_pending:
            debit.debits_posted += amount
            credit.credits_posted += amount
        self.pending_states[spec.pending_id] = PendingState.POSTED if spec.post_pending else PendingState.VOIDED
        self.undo_pending.append(spec.pending_id)
        self._record(spec, debit.id, credit.id, amount, pending.ledger_id)
        return Result.OK

    def _resolvable(self, spec: TransferSpec) -> StoredTransfer | Result:
        """The pending transfer that ``spec`` posts or voids, or why it cannot (checked in TigerBeetle's order)."""
        if spec.pending_id is None:
            return Result.PENDING_ID_REQUIRED
        if spec.pending_id == spec.id:
            return Result.PENDING_ID_MUST_BE_DIFFERENT
        if spec.timeout:
            return Result.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if spec.amount < 0:
            return Result.AMOUNT_MUST_BE_POSITIVE
        pending = self.lookup(spec.pending_id)
        if pending is None:
            return Result.PENDING_TRANSFER_NOT_FOUND
        if not pending.pending:
            return Result.PENDING_TRANSFER_NOT_PENDING
        if spec.debit_account_id is not None and spec.debit_account_id != pending.debit_account_id:
            return Result.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT
        if spec.credit_account_id is not None and spec.credit_account_id != pending.credit_account_id:
            return Result.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT
        if spec.ledger_id is not None and spec.ledger_id != pending.ledger_id:
            return Result.LEDGER_MISMATCH
        state = self.pending_states.get(spec.pending_id)
        if state is PendingState.POSTED:
            return Result.PENDING_TRANSFER_ALREADY_POSTED
        if state is PendingState.VOIDED:
            return Result.PENDING_TRANSFER_ALREADY_VOIDED
        return pending


def chains(specs: list[TransferSpec]) -> list[range]:
    """Index ranges of the chains in a batch: a run of linked transfers plus the first unlinked one after it."""
    out: list[range] = []
    start = 0
    for index, spec in enumerate(specs):
        if not spec.linked:
            out.append(range(start, index + 1))
            start = index + 1
    if start < len(specs):
        out.append(range(start, len(specs)))  # an open chain: its last transfer is linked
    return out


def apply_batch(
    specs: list[TransferSpec],
    *,
    accounts: dict[int, AccountState],
    existing: dict[UUID, StoredTransfer],
    pending_states: dict[UUID, PendingState],
    now: float,
    codes: frozenset[str] | None = None,
) -> BatchOutcome:
    """Validate and apply ``specs`` in order against the given state (mutated in place).

    ``accounts`` must hold every account the batch refers to (missing ones are "not found"); ``existing`` every
    stored transfer whose id is in the batch or referenced as ``pending_id``; ``pending_states`` whether those
    pending transfers were already posted or voided. Returns one result per spec, the transfers to write and the
    counter deltas per account.
    """
    before = {account_id: account.counters() for account_id, account in accounts.items()}
    batch = _Batch(accounts, existing, pending_states, now, codes)
    results: list[Result] = [Result.OK] * len(specs)
    for chain in chains(specs):
        failed_at = None
        for index in chain:
            result = batch.apply(specs[index])
            if result not in SUCCESSFUL:
                failed_at, results[index] = index, result
                break
            results[index] = result
        if failed_at is None and specs[chain[-1]].linked:
            failed_at, results[chain[-1]] = chain[-1], Result.LINKED_EVENT_CHAIN_OPEN
        if failed_at is None:
            batch.commit_chain()
            continue
        batch.rollback_chain()
        for index in chain:
            if index != failed_at:
                results[index] = Result.LINKED_EVENT_FAILED
    deltas = {}
    for account_id, old in before.items():
        new = accounts[account_id].counters()
        if new != old:
            deltas[account_id] = tuple(n - o for n, o in zip(new, old, strict=True))
    accepted = [batch.created[spec.id] for spec, result in zip(specs, results, strict=True) if result is Result.OK]
    return BatchOutcome(results=results, accepted=accepted, deltas=deltas)
