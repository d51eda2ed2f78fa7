"""The only write path of the journal and of the account counters: ``transfers_create`` (one batch, one
transaction, accounts locked in id order, validated by ``ledger.engine``, written with one COPY), and the job that
voids expired pending transfers."""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import psycopg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
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


def as_dict(spec: TransferSpec) -> dict:
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
