"""Ledger throughput benchmark, called by ``scripts/bench.py`` (``make bench``) after Django is set up.

Every run opens its own ledger ("BENCH-<random>") with fresh accounts, so it never touches the fund's EUR ledger;
its transfers stay in the journal like any others (the journal is append-only).
"""

import os
import random
import statistics
import threading
import time
import uuid

from django.db import connection

from ledger.engine import TransferSpec
from ledger.models import Account, AccountCode, Ledger, LedgerUnit, OwnerKind
from ledger.services import transfers_create

BATCH = 1000


def _ledger_with_accounts(count: int) -> tuple[Ledger, list[int]]:
    code = f"BENCH-{uuid.uuid4().hex[:8]}"
    ledger = Ledger.objects.create(code=code, name=f"Benchmark {code}", unit=LedgerUnit.EUR_CENT)
    accounts = Account.objects.bulk_create(
        Account(
            ledger=ledger,
            code=AccountCode.OPERATOR,
            name=f"bench {i}",
            owner_kind=OwnerKind.SYSTEM,
            owner_ref=f"bench:{i}",
        )
        for i in range(count)
    )
    return ledger, [a.pk for a in accounts]


def _batch(rng: random.Random, account_ids: list[int], ledger_id: int) -> list[TransferSpec]:
    batch = []
    for _ in range(BATCH):
        debit, credit = rng.sample(account_ids, 2)
        batch.append(
            TransferSpec(
                id=uuid.uuid4(),
                debit_account_id=debit,
                credit_account_id=credit,
                amount=rng.randint(1, 1_000_000),
                ledger_id=ledger_id,
                code="payment",
            )
        )
    return batch


def _single_connection(batches: int) -> dict:
    ledger, account_ids = _ledger_with_accounts(1000)
    rng = random.Random(1)  # noqa: S311 - benchmark data, not security
    prepared = [_batch(rng, account_ids, ledger.pk) for _ in range(batches + 1)]
    transfers_create(transfers=prepared.pop(), by=None)  # warm-up
    rates = []
    start = time.perf_counter()
    for batch in prepared:
        t0 = time.perf_counter()
        results = transfers_create(transfers=batch, by=None)
        rates.append(BATCH / (time.perf_counter() - t0))
        assert all(r.ok for r in results)
    total = time.perf_counter() - start
    return {
        "name": "ledger: transfers/s, batches of 1,000, one connection",
        "value": round(batches * BATCH / total),
        "unit": "transfers/s",
        "note": f"{batches} batches over 1,000 accounts; median batch {round(statistics.median(rates))}/s; "
        f"goal >= 10,000/s",
    }


def _concurrent(threads: int, batches_per_thread: int, hot_accounts: int) -> dict:
    ledger, account_ids = _ledger_with_accounts(hot_accounts)
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def worker(seed: int) -> None:
        try:
            rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
            prepared = [_batch(rng, account_ids, ledger.pk) for _ in range(batches_per_thread)]
            barrier.wait()
            for batch in prepared:
                results = transfers_create(transfers=batch, by=None)
                assert all(r.ok for r in results)
        except BaseException as exc:  # reported after the run
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    workers = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    total = time.perf_counter() - start
    if errors:
        raise errors[0]
    return {
        "name": f"ledger: transfers/s, batches of 1,000, {threads} concurrent connections, {hot_accounts} hot accounts",
        "value": round(threads * batches_per_thread * BATCH / total),
        "unit": "transfers/s",
        "note": f"{threads} threads x {batches_per_thread} batches; every batch touches all {hot_accounts} accounts, "
        "so the batches serialise on the account locks",
    }


def run() -> list[dict]:
    """Measure the write path: one connection, then 8 concurrent connections on a few hot accounts."""
    batches = int(os.environ.get("LEDGER_BENCH_BATCHES", "20"))
    return [
        _single_connection(batches),
        _concurrent(threads=8, batches_per_thread=max(batches // 4, 2), hot_accounts=4),
    ]
