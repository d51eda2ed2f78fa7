"""The allocation cast: carol (allocation admin) with a real TOTP authenticator, as the staff pages require; a
Gigafactory with a Large Scale call; helpers to read the GPU-second ledger and check its invariants."""

import pytest
from django.db.models import Sum

from ledger.models import Account, Ledger, Transfer
from tests.conftest import activate_totp
from tests.factories import CallFactory, GigafactoryFactory, ensure_platform_groups


@pytest.fixture(autouse=True)
def _platform_groups(db):
    """Role groups come from a data migration; a transactional test before this one may have flushed them."""
    ensure_platform_groups()


@pytest.fixture
def carol(carol):
    """Allocation admin with TOTP set up (the staff-page middleware sends staff without MFA to the set-up)."""
    return activate_totp(carol)


@pytest.fixture
def gigafactory(db):
    return GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE", accelerator_count=1000)


@pytest.fixture
def call(gigafactory):
    """An open Large Scale call on the Gigafactory."""
    return CallFactory(
        title="Large Scale: foundation models 2027", slug="large-scale-2027", gigafactories=[gigafactory]
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.credits_posted - account.debits_posted - account.debits_pending


def assert_ledger_invariants() -> None:
    """Per ledger: debits equal credits; every account's posted counters equal a recompute from the journal."""
    for ledger in Ledger.objects.all():
        accounts = Account.objects.filter(ledger=ledger)
        totals = accounts.aggregate(d=Sum("debits_posted"), c=Sum("credits_posted"))
        assert totals["d"] == totals["c"], f"ledger {ledger.code} is unbalanced"
        posted = Transfer.objects.filter(ledger=ledger, pending=False, void_pending=False)
        for account in accounts:
            debits = posted.filter(debit_account=account).aggregate(s=Sum("amount"))["s"] or 0
            credits = posted.filter(credit_account=account).aggregate(s=Sum("amount"))["s"] or 0
            assert (account.debits_posted, account.credits_posted) == (debits, credits), account.name
            if account.debits_must_not_exceed_credits:
                assert account.debits_posted + account.debits_pending <= account.credits_posted, account.name


HOUR = 3600


@pytest.fixture
def pool_setup(carol, alice, alice_org, call, gigafactory):
    """A 2027 Q1 period of 40 accelerators (69,984 GPU-hours after 90 % availability and a 10 % reserve), all of it
    in the Large Scale pool, and four approved applications: alice's first in rank, then three others."""
    from tests.factories import approved_application, open_pool, period_with_pools

    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    pool = open_pool(period)
    apps = [
        approved_application(call=call, requested=50_000, minimum=30_000, rank=1, organisation=alice_org, pi=alice),
        approved_application(call=call, requested=30_000, minimum=20_000, rank=2),
        approved_application(call=call, requested=20_000, minimum=15_000, rank=3),
        approved_application(call=call, requested=5_000, minimum=5_000, rank=4),
    ]
    return {"period": period, "pool": pool, "apps": apps}
