"""The write path ``transfers_create``: result codes, pending/post/void, linked chains, retries, database guards."""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from ledger.engine import TransferSpec
from ledger.models import Account, Transfer
from ledger.services import MAX_BATCH, transfers_create
from tests.factories import AccountFactory, LedgerFactory


@pytest.fixture
def ledger(db):
    return LedgerFactory()


@pytest.fixture
def source(ledger):
    return AccountFactory(ledger=ledger, name="source")


@pytest.fixture
def vault(ledger):
    """May not pay out more than it received."""
    return AccountFactory(ledger=ledger, name="vault", debits_must_not_exceed_credits=True)


def move(debit, credit, amount, **flags) -> TransferSpec:
    return TransferSpec(
        id=flags.pop("id", None) or uuid.uuid4(),
        debit_account_id=debit.pk if debit else None,
        credit_account_id=credit.pk if credit else None,
        amount=amount,
        code=flags.pop("code", "payment"),
        **flags,
    )


def codes(results) -> list[str]:
    return [r.result.value for r in results]


def counters(account) -> tuple[int, int, int, int]:
    account.refresh_from_db()
    return (account.debits_pending, account.debits_posted, account.credits_pending, account.credits_posted)


def test_a_posted_transfer_moves_the_amount_and_is_journalled(source, vault, alice):
    results = transfers_create(transfers=[move(source, vault, 500)], by=alice)
    assert codes(results) == ["ok"]
    assert counters(source) == (0, 500, 0, 0)
    assert counters(vault) == (0, 0, 0, 500)
    transfer = Transfer.objects.get(pk=results[0].id)
    assert (transfer.amount, transfer.created_by, transfer.ledger_id) == (500, alice, source.ledger_id)


def test_retry_with_same_fields_is_exists_and_moves_nothing(source, vault):
    spec = move(source, vault, 500)
    assert codes(transfers_create(transfers=[spec], by=None)) == ["ok"]
    assert codes(transfers_create(transfers=[spec], by=None)) == ["exists"]
    assert counters(vault) == (0, 0, 0, 500)
    changed = TransferSpec(**{**{k: getattr(spec, k) for k in TransferSpec.__slots__}, "amount": 501})
    assert codes(transfers_create(transfers=[changed], by=None)) == ["exists_with_different_fields"]
    assert counters(vault) == (0, 0, 0, 500)
    assert Transfer.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda s, v, o: move(s, s, 1), "accounts_must_be_different"),
        (lambda s, v, o: move(s, o, 1), "ledger_mismatch"),
        (lambda s, v, o: move(s, v, 0), "amount_must_be_positive"),
        (lambda s, v, o: move(s, v, -5), "amount_must_be_positive"),
        (lambda s, v, o: move(v, s, 1), "exceeds_credits"),
        (lambda s, v, o: move(s, v, 1, code="bogus"), "code_invalid"),
        (
            lambda s, v, o: move(s, v, 1, pending=True, post_pending=True, pending_id=uuid.uuid4()),
            "flags_are_mutually_exclusive",
        ),
        (lambda s, v, o: move(None, None, 0, post_pending=True, pending_id=uuid.uuid4()), "pending_transfer_not_found"),
        (lambda s, v, o: move(None, None, 0, post_pending=True), "pending_id_required"),
        (lambda s, v, o: move(s, v, 1, timeout=10), "timeout_reserved_for_pending_transfer"),
        (
            lambda s, v, o: TransferSpec(
                id=uuid.uuid4(), debit_account_id=10**12, credit_account_id=v.pk, amount=1, code="payment"
            ),
            "debit_account_not_found",
        ),
        (
            lambda s, v, o: TransferSpec(
                id=uuid.uuid4(), debit_account_id=s.pk, credit_account_id=10**12, amount=1, code="payment"
            ),
            "credit_account_not_found",
        ),
    ],
)
def test_invalid_transfers_are_refused_with_their_code_and_move_nothing(source, vault, make, expected):
    other = AccountFactory()  # another ledger
    assert codes(transfers_create(transfers=[make(source, vault, other)], by=None)) == [expected]
    assert counters(source) == (0, 0, 0, 0)
    assert counters(vault) == (0, 0, 0, 0)
    assert not Transfer.objects.exists()


def test_credits_must_not_exceed_debits_is_enforced(source, ledger):
    capped = AccountFactory(ledger=ledger, credits_must_not_exceed_debits=True)
    assert codes(transfers_create(transfers=[move(source, capped, 1)], by=None)) == ["exceeds_debits"]
    assert codes(transfers_create(transfers=[move(capped, source, 5), move(source, capped, 5)], by=None)) == [
        "ok",
        "ok",
    ]
    assert codes(transfers_create(transfers=[move(source, capped, 1)], by=None)) == ["exceeds_debits"]


def test_pending_reserves_and_post_moves_part_and_releases_the_rest(source, vault, ledger):
    transfers_create(transfers=[move(source, vault, 1000)], by=None)
    payee = AccountFactory(ledger=ledger)
    pending = move(vault, payee, 600, pending=True)
    assert codes(transfers_create(transfers=[pending], by=None)) == ["ok"]
    assert counters(vault) == (600, 0, 0, 1000)
    # pending amounts count against the limit: only 400 are left
    assert codes(transfers_create(transfers=[move(vault, payee, 401)], by=None)) == ["exceeds_credits"]
    post = move(None, None, 700, post_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[post], by=None)) == ["exceeds_pending_amount"]
    post = move(None, None, 250, post_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[post], by=None)) == ["ok"]
    assert counters(vault) == (0, 250, 0, 1000)
    assert counters(payee) == (0, 0, 0, 250)
    again = move(None, None, 100, post_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[again], by=None)) == ["pending_transfer_already_posted"]
    void = move(None, None, 0, void_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[void], by=None)) == ["pending_transfer_already_posted"]


def test_void_releases_the_whole_pending_amount_once(source, vault):
    pending = move(source, vault, 300, pending=True)
    transfers_create(transfers=[pending], by=None)
    assert counters(source) == (300, 0, 0, 0)
    void = move(None, None, 0, void_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[void], by=None)) == ["ok"]
    assert counters(source) == (0, 0, 0, 0)
    assert counters(vault) == (0, 0, 0, 0)
    post = move(None, None, 0, post_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[post], by=None)) == ["pending_transfer_already_voided"]
    assert Transfer.objects.get(pk=void.id).amount == 300


def test_resolving_a_posted_transfer_or_with_other_accounts_is_refused(source, vault, ledger):
    posted = move(source, vault, 5)
    pending = move(source, vault, 5, pending=True)
    transfers_create(transfers=[posted, pending], by=None)
    other = AccountFactory(ledger=ledger)
    assert codes(
        transfers_create(
            transfers=[
                move(None, None, 0, post_pending=True, pending_id=posted.id),
                move(other, None, 0, post_pending=True, pending_id=pending.id),
                move(None, other, 0, void_pending=True, pending_id=pending.id),
                move(None, None, 4, void_pending=True, pending_id=pending.id),
            ],
            by=None,
        )
    ) == [
        "pending_transfer_not_pending",
        "pending_transfer_has_different_debit_account",
        "pending_transfer_has_different_credit_account",
        "pending_transfer_has_different_amount",
    ]


def test_a_linked_chain_is_all_or_nothing(source, vault, ledger):
    payee = AccountFactory(ledger=ledger)
    chain = [
        move(source, vault, 100, linked=True),
        move(vault, payee, 100, linked=True),
        move(vault, payee, 1),  # the vault is empty again: exceeds_credits
        move(source, payee, 7),  # not in the chain
    ]
    assert codes(transfers_create(transfers=chain, by=None)) == [
        "linked_event_failed",
        "linked_event_failed",
        "exceeds_credits",
        "ok",
    ]
    assert counters(vault) == (0, 0, 0, 0)
    assert counters(payee) == (0, 0, 0, 7)
    assert list(Transfer.objects.values_list("pk", flat=True)) == [chain[3].id]


def test_later_members_of_a_chain_see_the_earlier_ones(source, vault, ledger):
    payee = AccountFactory(ledger=ledger)
    chain = [move(source, vault, 100, linked=True), move(vault, payee, 100)]
    assert codes(transfers_create(transfers=chain, by=None)) == ["ok", "ok"]
    assert counters(vault) == (0, 100, 0, 100)


def test_an_open_chain_fails(source, vault):
    assert codes(transfers_create(transfers=[move(source, vault, 1, linked=True)], by=None)) == [
        "linked_event_chain_open"
    ]
    assert not Transfer.objects.exists()


def test_a_failed_chain_rolls_back_its_post_of_a_pending_transfer(source, vault):
    pending = move(source, vault, 10, pending=True)
    transfers_create(transfers=[pending], by=None)
    chain = [
        move(None, None, 0, post_pending=True, pending_id=pending.id, linked=True),
        move(source, source, 1),
    ]
    assert codes(transfers_create(transfers=chain, by=None)) == ["linked_event_failed", "accounts_must_be_different"]
    assert counters(source) == (10, 0, 0, 0)
    # the pending transfer is still open
    assert codes(
        transfers_create(transfers=[move(None, None, 0, void_pending=True, pending_id=pending.id)], by=None)
    ) == ["ok"]


def test_a_pending_transfer_created_and_posted_in_one_batch(source, vault):
    pending = move(source, vault, 10, pending=True)
    post = move(None, None, 4, post_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[pending, post], by=None)) == ["ok", "ok"]
    assert counters(source) == (0, 4, 0, 0)


def test_an_expired_pending_transfer_cannot_be_posted_and_is_voided_by_the_job(source, vault):
    from ledger.services import pending_void_expired
    from ledger.tasks import void_expired_pending_transfers

    pending = move(source, vault, 10, pending=True, timeout=1)
    transfers_create(transfers=[pending], by=None)
    assert pending_void_expired() == 0
    assert void_expired_pending_transfers() == 0  # the periodic task, called directly: nothing has expired yet
    later = Transfer.objects.get(pk=pending.id).created_at + dt.timedelta(seconds=1)
    post = move(None, None, 0, post_pending=True, pending_id=pending.id)
    assert codes(transfers_create(transfers=[post], by=None, now=later)) == ["pending_transfer_expired"]
    assert pending_void_expired(now=later - dt.timedelta(microseconds=1)) == 0
    assert pending_void_expired(now=later) == 1
    assert pending_void_expired(now=later) == 0
    assert counters(source) == (0, 0, 0, 0)


def test_batch_size_is_limited(source, vault):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        transfers_create(transfers=[move(source, vault, 1) for _ in range(MAX_BATCH + 1)], by=None)
    assert transfers_create(transfers=[], by=None) == []


# --- Database guards ---------------------------------------------------------------------------------------------


def test_raw_sql_update_of_a_transfer_fails(source, vault):
    spec = move(source, vault, 5)
    transfers_create(transfers=[spec], by=None)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_transfer SET amount = 1 WHERE id = %s", [spec.id])
    assert Transfer.objects.get(pk=spec.id).amount == 5


def test_raw_sql_delete_of_a_transfer_fails(source, vault):
    spec = move(source, vault, 5)
    transfers_create(transfers=[spec], by=None)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_transfer WHERE id = %s", [spec.id])
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Transfer.objects.all().delete()
    assert Transfer.objects.filter(pk=spec.id).exists()


def test_a_transfer_cannot_be_inserted_outside_the_write_path(source, vault):
    with pytest.raises(DatabaseError, match="written only by"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_transfer (id, debit_account_id, credit_account_id, amount, ledger_id, code, pending,"
            " post_pending, void_pending, linked, timeout, user_data) VALUES (%s, %s, %s, 5, %s, 'payment', false,"
            " false, false, false, 0, '')",
            [uuid.uuid4(), source.pk, vault.pk, source.ledger_id],
        )
    assert not Transfer.objects.exists()


def test_counters_cannot_be_changed_directly(source, vault):
    transfers_create(transfers=[move(source, vault, 5)], by=None)
    with pytest.raises(DatabaseError, match="counters"), transaction.atomic():
        Account.objects.filter(pk=vault.pk).update(credits_posted=1_000_000)
    with pytest.raises(DatabaseError, match="zero counters"), transaction.atomic():
        Account.objects.create(
            ledger=source.ledger, code="operator", name="rich", owner_kind="system", credits_posted=9
        )
    # other fields may change
    Account.objects.filter(pk=vault.pk).update(name="renamed vault")
    assert counters(vault) == (0, 0, 0, 5)


def test_check_constraints_hold_even_inside_the_write_path(vault):
    with (
        pytest.raises(DatabaseError, match="ledger_account_debits_within_credits"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('ledger.write_path', 'transfers_create', true)")
        cursor.execute("UPDATE ledger_account SET debits_posted = 1 WHERE id = %s", [vault.pk])
