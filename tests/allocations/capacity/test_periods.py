"""Capacity arithmetic, periods posted to the GPU-second ledger and the largest-remainder split into pools."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from allocations.capacity import services
from allocations.capacity.split import period_capacity, quarter_bounds, split_pools
from allocations.models.capacity import CapacityPeriod, Pool, PoolKind
from ledger import services as ledger_services
from ledger.models import Account, AccountCode, Transfer, TransferCode
from tests.allocations.capacity.conftest import assert_ledger_invariants, balance
from tests.factories import PartnerFactory, TrancheFactory, period_with_pools
from tests.factories.allocations import access_mode

HOUR = 3600


def test_capacity_of_a_quarter_is_accelerators_times_seconds_times_availability_minus_reserve():
    start, end = quarter_bounds(2027, 1)
    assert (start, end) == (dt.date(2027, 1, 1), dt.date(2027, 4, 1))
    capacity = period_capacity(accelerators=100_000, start=start, end=end, availability_percent=90, reserve_percent=5)
    assert capacity.seconds == 90 * 86_400
    assert capacity.gross == 100_000 * 90 * 86_400
    assert capacity.available == capacity.gross * 90 // 100
    assert capacity.reserve == capacity.available * 5 // 100
    assert capacity.net == capacity.available - capacity.reserve
    assert capacity.net // HOUR == 184_680_000  # about 185 M GPU-hours for the quarter
    assert quarter_bounds(2027, 4) == (dt.date(2027, 10, 1), dt.date(2028, 1, 1))
    with pytest.raises(ValueError):
        quarter_bounds(2027, 5)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 10**15),
    st.lists(st.integers(0, 3000), min_size=0, max_size=3),
    st.lists(st.integers(1, 10**12), min_size=1, max_size=6),
)
def test_pools_sum_exactly_to_the_capacity(capacity, open_bp, weights):
    if sum(open_bp) > 10_000:
        return
    open_parts, partner_parts = split_pools(capacity, dict(enumerate(open_bp)), dict(enumerate(weights)))
    assert sum(open_parts.values()) + sum(partner_parts.values()) == capacity
    for key, bp in enumerate(open_bp):
        assert abs(open_parts[key] - capacity * bp // 10_000) <= 1


def test_split_refuses_over_100_percent_and_no_partner_for_the_rest():
    with pytest.raises(ValueError):
        split_pools(100, {"a": 6000, "b": 5000}, {"p": 1})
    with pytest.raises(ValueError):
        split_pools(100, {"a": 6000}, {"p": 0})
    assert split_pools(100, {"a": 10_000}, {}) == ({"a": 100}, {})


def test_creating_a_period_posts_its_capacity_into_the_gpu_ledger(carol, gigafactory):
    period = services.period_create(
        gigafactory=gigafactory, year=2027, quarter=2, reserve_percent=10, availability_percent=90, by=carol
    )
    expected = period_capacity(
        accelerators=1000,
        start=dt.date(2027, 4, 1),
        end=dt.date(2027, 7, 1),
        availability_percent=90,
        reserve_percent=10,
    )
    assert period.capacity_seconds == expected.net
    assert balance(period.account) == expected.net
    transfer = Transfer.objects.get(credit_account=period.account)
    assert (transfer.code, transfer.amount) == (TransferCode.CAPACITY, expected.net)
    assert transfer.debit_account.code == AccountCode.OPERATOR
    assert_ledger_invariants()


def test_one_period_per_gigafactory_and_quarter_and_bad_values_are_field_errors(carol, gigafactory):
    services.period_create(gigafactory=gigafactory, year=2027, quarter=1, reserve_percent=5, by=carol)
    with pytest.raises(ValidationError) as exc:
        services.period_create(gigafactory=gigafactory, year=2027, quarter=1, reserve_percent=5, by=carol)
    assert "quarter" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.period_create(
            gigafactory=gigafactory, year=2027, quarter=2, reserve_percent=100, availability_percent=0, by=carol
        )
    assert {"reserve_percent", "availability_percent"} <= set(exc.value.message_dict)
    assert CapacityPeriod.objects.count() == 1


def test_only_allocation_admins_create_periods(alice, bob, gigafactory):
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.period_create(gigafactory=gigafactory, year=2027, quarter=1, reserve_percent=5, by=user)
    assert not CapacityPeriod.objects.exists()


@pytest.fixture
def paid_in(dora):
    """Two partners who paid 3:1 into the fund (cash through the ledger's own flows)."""
    eu = PartnerFactory(name="Digital Europe Programme", kind="eu_digital_europe", country="")
    investor = PartnerFactory(name="Nordic Infrastructure Partners")
    tranche = TrancheFactory(partners=[eu, investor])
    for partner, cents in ((eu, 300_000_00), (investor, 100_000_00)):
        pledge = ledger_services.pledge_record(partner=partner, tranche=tranche, amount_cents=cents, by=dora)
        ledger_services.pending_post(pending=pledge, by=dora)
    return eu, investor


def test_split_gives_open_access_their_share_and_partners_the_rest_by_entitlement(carol, gigafactory, paid_in):
    eu, _investor = paid_in
    large, fast = access_mode("large-scale"), access_mode("fast-lane")
    period = period_with_pools(by=carol, gigafactory=gigafactory, open_shares={large.pk: 4000, fast.pk: 1000})
    pools = {p.owner_name: p for p in Pool.objects.filter(period=period).select_related("access_mode", "partner")}
    capacity = period.capacity_seconds
    assert sum(p.size_seconds for p in pools.values()) == capacity
    assert pools[str(large)].size_seconds == capacity * 4000 // 10_000
    assert pools[str(fast)].size_seconds == capacity * 1000 // 10_000
    rest = capacity - pools[str(large)].size_seconds - pools[str(fast)].size_seconds
    assert pools[eu.name].size_seconds == rest * 3 // 4
    assert pools[eu.name].kind == PoolKind.PARTNER
    for pool in pools.values():
        assert balance(pool.account) == pool.size_seconds
    assert balance(period.account) == 0
    assert_ledger_invariants()


def test_split_uses_contributions_paid_by_the_chosen_date(carol, gigafactory, paid_in):
    large = access_mode("large-scale")
    with pytest.raises(ValidationError, match="No partner had paid in"):
        period_with_pools(
            by=carol,
            gigafactory=gigafactory,
            open_shares={large.pk: 5000},
            entitlements_on=timezone.localdate() - dt.timedelta(days=1),
        )


def test_a_period_is_split_once(carol, gigafactory):
    period = period_with_pools(by=carol, gigafactory=gigafactory)
    with pytest.raises(ValidationError, match="already split"):
        services.period_split(
            period_id=period.pk,
            open_shares_bp={access_mode().pk: 10_000},
            entitlements_on=timezone.localdate(),
            by=carol,
        )
    assert Pool.objects.count() == 1
    assert Account.objects.filter(code=AccountCode.POOL).count() == 1
