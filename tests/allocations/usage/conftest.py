"""The usage cast: carol (allocation admin) with a real TOTP authenticator, as the staff pages require; a
Gigafactory with its cluster "jupiter" and alice's active grant of 1,000 GPU-hours in the current quarter."""

import pytest
from django.db.models import Sum

from ledger.models import Account, Ledger, Transfer
from tests.conftest import activate_totp
from tests.factories import ClusterFactory, GigafactoryFactory, active_grant, ensure_platform_groups

HOUR = 3600


@pytest.fixture(autouse=True)
def _platform_groups(db):
    """Role groups come from a data migration; a transactional test before this one may have flushed them."""
    ensure_platform_groups()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }


@pytest.fixture
def carol(carol):
    """Allocation admin with TOTP set up (the staff-page middleware sends staff without MFA to the set-up)."""
    return activate_totp(carol)


@pytest.fixture
def gigafactory(db):
    return GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE", accelerator_count=1000)


@pytest.fixture
def cluster(gigafactory):
    return ClusterFactory(name="jupiter", gigafactory=gigafactory, timezone="Europe/Brussels")


@pytest.fixture
def grant(carol, alice, alice_org, gigafactory):
    """alice's active grant of 1,000 GPU-hours in the current quarter."""
    return active_grant(by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice)


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.credits_posted - account.debits_posted - account.debits_pending


def assert_ledger_invariants() -> None:
    """Per ledger: debits equal credits; every account's posted counters equal a recompute from the journal; no
    account flagged "no overdraft" is overdrawn."""
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
