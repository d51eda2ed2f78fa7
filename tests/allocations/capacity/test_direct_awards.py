"""Partner pools in use: the partner's contact (or an allocation admin on its behalf) awards hours from the pool
with a justification; an award beyond the pool is refused with the ledger's reason; another partner's contact,
and anybody else, is told the pool does not exist."""

import pytest
from django.core.exceptions import ValidationError

from allocations.applications.workflow import Status
from allocations.capacity import services
from allocations.models.capacity import Award, Grant, GrantStatus, Pool, PoolKind
from ledger import services as ledger_services
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.factories import PartnerFactory, TrancheFactory, UserFactory, approved_application, period_with_pools
from tests.factories.allocations import access_mode


@pytest.fixture
def partner_pool(carol, dora, gigafactory):
    """Nordic Infrastructure Partners paid in; half of the 2027 Q1 capacity is theirs; nils is their contact."""
    nils = UserFactory(email="nils@nordic.example")
    partner = PartnerFactory(name="Nordic Infrastructure Partners", contacts=[nils])
    rival_contact = UserFactory(email="rita@rival.example")
    rival = PartnerFactory(name="Rival Compute", contacts=[rival_contact])
    tranche = TrancheFactory(partners=[partner, rival])
    for who, cents in ((partner, 100_000_00), (rival, 100_000_00)):
        pledge = ledger_services.pledge_record(partner=who, tranche=tranche, amount_cents=cents, by=dora)
        ledger_services.pending_post(pending=pledge, by=dora)
    period = period_with_pools(
        by=carol, gigafactory=gigafactory, accelerators=10, open_shares={access_mode("large-scale").pk: 5000}
    )
    pool = Pool.objects.select_related("account").get(period=period, kind=PoolKind.PARTNER, partner=partner)
    return {"pool": pool, "contact": nils, "rival": rival_contact}


def test_the_partner_contact_awards_from_the_pool_with_a_justification(partner_pool, call):
    pool, nils = partner_pool["pool"], partner_pool["contact"]
    application = approved_application(call=call, requested=2_000)
    award = services.award_direct(
        pool_id=pool.pk, application_id=application.pk, hours=1_000, justification="Nordic LLM partner", by=nils
    )
    assert (award.kind, award.partner_id, award.total_seconds) == (PoolKind.PARTNER, pool.partner_id, 1_000 * HOUR)
    assert award.justification == "Nordic LLM partner" and award.created_by == nils
    (grant,) = Grant.objects.filter(award=award)
    assert (grant.pool_id, grant.granted_seconds, grant.status) == (pool.pk, 1_000 * HOUR, GrantStatus.OFFERED)
    assert balance(pool.account) == pool.size_seconds - 1_000 * HOUR
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    assert_ledger_invariants()


def test_an_award_beyond_the_pool_is_refused_by_the_ledger(partner_pool, call, carol):
    pool = partner_pool["pool"]
    application = approved_application(call=call, requested=100_000)
    too_many = pool.size_seconds // HOUR + 1
    with pytest.raises(ValidationError) as refused:
        services.award_direct(
            pool_id=pool.pk, application_id=application.pk, hours=too_many, justification="on behalf", by=carol
        )
    assert "The ledger refused the transfer (exceeds_credits)" in str(refused.value)
    assert not Award.objects.exists() and balance(pool.account) == pool.size_seconds
    with pytest.raises(ValidationError, match="Say why"):
        services.award_direct(pool_id=pool.pk, application_id=application.pk, hours=10, justification=" ", by=carol)
    assert_ledger_invariants()


def test_other_partners_and_applicants_do_not_find_the_pool(partner_pool, call, alice):
    pool = partner_pool["pool"]
    application = approved_application(call=call, requested=100)
    for user in (partner_pool["rival"], alice):
        with pytest.raises(Pool.DoesNotExist):
            services.award_direct(pool_id=pool.pk, application_id=application.pk, hours=10, justification="x", by=user)
    assert not Award.objects.exists()
