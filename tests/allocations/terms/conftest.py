"""The terms cast: carol (allocation admin, TOTP) publishes the platform terms and the acceptable-use policy of the
Jupiter Gigafactory; alice has an offer there (``offered``) or an active grant with a cluster (``grant``)."""

import pytest

from allocations.capacity import services as capacity_services
from allocations.models.capacity import Grant
from tests.conftest import activate_totp
from tests.factories import (
    CallFactory,
    ClusterFactory,
    GigafactoryFactory,
    active_grant,
    approved_application,
    ensure_platform_groups,
    open_pool,
    period_with_pools,
)
from tests.factories.terms import published_terms


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
def pool_setup(carol, alice, alice_org, gigafactory):
    """A 2027 Q1 period on Jupiter, all of it in the Large Scale pool, and alice's approved application first in
    rank, with another one behind it."""
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[gigafactory])
    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    apps = [
        approved_application(call=call, requested=50_000, minimum=30_000, rank=1, organisation=alice_org, pi=alice),
        approved_application(call=call, requested=5_000, minimum=5_000, rank=2),
    ]
    return {"period": period, "pool": open_pool(period), "apps": apps}


@pytest.fixture
def platform_terms(carol):
    return published_terms(by=carol, title="Terms of access", body="## Fair use\nUse the hours for the project.")


@pytest.fixture
def jupiter_policy(carol, gigafactory):
    return published_terms(by=carol, gigafactory=gigafactory, body="## Jupiter\nNo mining of cryptocurrencies.")


@pytest.fixture
def terms(platform_terms, jupiter_policy):
    """Both documents published: what an offer on Jupiter needs."""
    return [platform_terms, jupiter_policy]


@pytest.fixture
def offered(pool_setup, carol):
    """alice's offer of the 2027 Q1 Large Scale run, not answered yet."""
    run = capacity_services.run_create(pool=pool_setup["pool"], policy="rank_greedy", by=carol)
    capacity_services.run_execute(run_id=run.pk)
    capacity_services.run_commit(run_id=run.pk, by=carol)
    return Grant.objects.select_related("gigafactory").get(application=pool_setup["apps"][0])


@pytest.fixture
def cluster(gigafactory):
    return ClusterFactory(name="jupiter", gigafactory=gigafactory, timezone="Europe/Brussels")


@pytest.fixture
def grant(carol, alice, alice_org, gigafactory):
    """alice's active grant of 1,000 GPU-hours on Jupiter in the current quarter (she accepted whatever terms were
    published when she accepted the offer)."""
    return active_grant(by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice)
