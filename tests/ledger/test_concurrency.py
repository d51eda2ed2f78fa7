"""Concurrency against real PostgreSQL: one thread per connection, all released at once by a barrier."""

import threading
import uuid

import pytest
from django.db import connection

from ledger.engine import TransferSpec
from ledger.models import Account, Transfer
from ledger.services import transfers_create
from tests.factories import AccountFactory, LedgerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(jobs) -> list:
    """Run each job in its own thread (own DB connection), started together; return their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def spec(debit, credit, amount, **flags) -> TransferSpec:
    return TransferSpec(
        id=uuid.uuid4(),
        debit_account_id=debit.pk if debit else None,
        credit_account_id=credit.pk if credit else None,
        amount=amount,
        code=flags.pop("code", "payment"),
        **flags,
    )


def test_fifty_threads_cannot_overdraw_an_account_holding_twenty():
    ledger = LedgerFactory()
    source = AccountFactory(ledger=ledger)
    wallet = AccountFactory(ledger=ledger, debits_must_not_exceed_credits=True)
    sink = AccountFactory(ledger=ledger)
    assert transfers_create(transfers=[spec(source, wallet, 20)], by=None)[0].ok

    def debit_one():
        return transfers_create(transfers=[spec(wallet, sink, 1)], by=None)[0].result.value

    results = run_at_once([debit_one] * 50)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results.count("ok") == 20
    assert results.count("exceeds_credits") == 30
    wallet.refresh_from_db()
    assert wallet.credits_posted - wallet.debits_posted == 0
    assert wallet.debits_posted == 20
    sink.refresh_from_db()
    assert sink.credits_posted == 20
    assert Transfer.objects.filter(debit_account=wallet).count() == 20


def test_post_and_void_of_one_pending_transfer_at_once_exactly_one_wins():
    for _round in range(5):
        ledger = LedgerFactory()
        source, target = AccountFactory(ledger=ledger), AccountFactory(ledger=ledger)
        pending = spec(source, target, 100, pending=True)
        transfers_create(transfers=[pending], by=None)
        post = TransferSpec(id=uuid.uuid4(), code="payment", post_pending=True, pending_id=pending.id)
        void = TransferSpec(id=uuid.uuid4(), code="pledge", void_pending=True, pending_id=pending.id)

        results = run_at_once(
            [
                lambda post=post: transfers_create(transfers=[post], by=None)[0].result.value,
                lambda void=void: transfers_create(transfers=[void], by=None)[0].result.value,
            ]
        )
        assert sorted(results) in (
            ["ok", "pending_transfer_already_posted"],
            ["ok", "pending_transfer_already_voided"],
        ), results
        assert Transfer.objects.filter(pending_id=pending.id).count() == 1
        source.refresh_from_db()
        assert source.debits_pending == 0
        assert source.debits_posted == (100 if results[0] == "ok" else 0)


def test_the_same_batch_sent_twice_at_once_moves_the_money_once():
    ledger = LedgerFactory()
    accounts = [AccountFactory(ledger=ledger) for _ in range(4)]
    batch = [spec(accounts[i % 4], accounts[(i + 1) % 4], 10 + i) for i in range(50)]

    results = run_at_once([lambda: [r.result.value for r in transfers_create(transfers=batch, by=None)]] * 2)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted([results[0][0], results[1][0]]) == ["exists", "ok"]
    assert {tuple(set(r)) for r in results} == {("ok",), ("exists",)}
    assert Transfer.objects.count() == 50
    assert sum(Account.objects.filter(ledger=ledger).values_list("credits_posted", flat=True)) == sum(
        10 + i for i in range(50)
    )


def test_crossing_batches_do_not_deadlock():
    """Two batches touching the same accounts in opposite orders: the id-ordered locks serialise them."""
    ledger = LedgerFactory()
    a, b, c = (AccountFactory(ledger=ledger) for _ in range(3))

    def batch(order):
        return [spec(debit, credit, 1) for _ in range(20) for debit, credit in order]

    forward = [(a, b), (b, c), (c, a)]
    backward = [(c, b), (b, a), (a, c)]
    jobs = [lambda order=order: transfers_create(transfers=batch(order), by=None) for order in [forward, backward] * 4]
    results = run_at_once(jobs)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Transfer.objects.count() == 8 * 60
