"""Properties of commitments: the slices committed to a pool plus what a run then grants from it never exceed the
pool, whatever the awards, the pool size and the requests; scaling commitments down leaves each award's total as
decided and records what was taken, so slices plus the scaled-down amount equal the award."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from allocations.capacity.services import period_create, period_split
from allocations.capacity.slices import award_slices, fit_commitments, slice_for
from allocations.capacity.solver import Request, allocate
from allocations.models.capacity import Award, Grant
from tests.allocations.capacity.conftest import assert_ledger_invariants
from tests.allocations.capacity.test_awards import committed_run, project
from tests.factories import approved_application, contributions_paid, open_pool, period_with_pools
from tests.factories.allocations import access_mode

awards = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10**12),  # award total (GPU-seconds)
        st.integers(min_value=1, max_value=12),  # start month in 2027
        st.sampled_from([1, 2, 3, 6, 12]),  # duration in months
    ),
    max_size=25,
)
requests = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10**11), st.integers(min_value=0, max_value=100)), max_size=25
)


@settings(max_examples=300, deadline=None)
@given(awards=awards, size=st.integers(min_value=0, max_value=10**12), asks=requests, scale=st.booleans())
def test_commitments_plus_new_grants_never_exceed_the_pool(awards, size, asks, scale):
    quarter = (2027, 2)
    committed = []
    for total, month, months in awards:
        start = dt.date(2027, month, 1)
        end = dt.date(2027 + (month - 1 + months) // 12, (month - 1 + months) % 12 + 1, 1)
        piece = slice_for(award_slices(total, start, end), *quarter)
        if piece is not None:
            committed.append(piece.seconds)
    fitted = fit_commitments(size, committed, scale=scale)
    if fitted is None:  # refused: nothing is committed, the period stays unsplit
        assert not scale and sum(committed) > size
        return
    assert all(0 <= new <= old for new, old in zip(fitted, committed, strict=True))
    assert sum(fitted) == min(size, sum(committed)) if scale else sum(fitted) == sum(committed) <= size
    left = size - sum(fitted)
    run = allocate(
        [Request(id=i, rank=i, requested=ask, minimum=ask * pct // 100) for i, (ask, pct) in enumerate(asks)],
        left,
        "rank_greedy",
    )
    assert sum(fitted) + run.total_granted <= size


def test_scaled_commitments_keep_the_award_total_and_record_what_was_taken(carol, call, gigafactory, alice, alice_org):
    application = project(
        approved_application(call=call, requested=400_000, rank=1, organisation=alice_org, pi=alice),
        dt.date(2027, 2, 1),
        12,
    )
    q1_pool = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, accelerators=400))
    committed_run(q1_pool, carol)
    award = Award.objects.get(application=application)
    decided = award.total_seconds
    q2 = period_create(gigafactory=gigafactory, year=2027, quarter=2, reserve_percent=10, accelerators=10, by=carol)
    planned = slice_for(award_slices(decided, award.starts_on, award.ends_on), 2027, 2).seconds
    period_split(
        period_id=q2.pk,
        open_shares_bp={access_mode("large-scale").pk: 10_000},
        entitlements_on=timezone.localdate(),
        by=carol,
        scale_commitments=True,
    )
    award.refresh_from_db()
    q2_slice = Grant.objects.get(award=award, period=q2)
    assert q2_slice.granted_seconds == open_pool(q2).size_seconds < planned
    # The decision is not changed after the fact; the cut is recorded beside it.
    assert award.total_seconds == decided
    assert award.scaled_down_seconds == planned - q2_slice.granted_seconds
    for quarter in (3, 4):
        period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=quarter, accelerators=400)
    period_with_pools(by=carol, gigafactory=gigafactory, year=2028, quarter=1, accelerators=400)
    delivered = sum(Grant.objects.filter(award=award).values_list("granted_seconds", flat=True))
    assert delivered + award.scaled_down_seconds == award.total_seconds
    assert_ledger_invariants()


@pytest.mark.parametrize("scale", [False, True])
def test_fit_commitments_refuses_or_scales_exactly(scale):
    assert fit_commitments(10, [3, 4], scale=scale) == [3, 4]
    assert fit_commitments(10, [6, 6], scale=scale) == ([5, 5] if scale else None)


def test_commitments_are_listed_per_future_period_and_on_the_unsplit_period(carol, dora, call, gigafactory, client):
    from django.urls import reverse

    from tests.conftest import login_staff

    application = project(approved_application(call=call, requested=400_000, rank=1), dt.date(2027, 2, 1), 12)
    committed_run(open_pool(period_with_pools(by=carol, gigafactory=gigafactory, accelerators=400)), carol)
    award = Award.objects.get(application=application)
    expected = {
        q: slice_for(award_slices(award.total_seconds, award.starts_on, award.ends_on), *q).seconds
        for q in ((2027, 2), (2027, 3), (2027, 4), (2028, 1))
    }
    login_staff(client, carol)
    page = client.get(reverse("capacity_commitments"))
    quarters = page.context["quarters"]
    assert [((e.year, e.quarter), e.total_seconds) for e in quarters] == list(expected.items())
    assert "period not created yet" in page.content.decode()
    contributions_paid(by=dora)  # the page splits by the rules: the open calls get 50 %
    q2 = period_create(gigafactory=gigafactory, year=2027, quarter=2, reserve_percent=10, accelerators=400, by=carol)
    detail = client.get(reverse("capacity_period_detail", args=[q2.pk]))
    assert detail.context["commitments"].total_seconds == expected[(2027, 2)]
    assert application.reference in detail.content.decode()
    data = {f"mode_{access_mode('large-scale').pk}": "100", "entitlements_on": timezone.localdate().isoformat()}
    assert client.post(reverse("capacity_period_detail", args=[q2.pk]), data).status_code == 302
    assert Grant.objects.get(award=award, period=q2).granted_seconds == expected[(2027, 2)]
    assert [(e.year, e.quarter) for e in client.get(reverse("capacity_commitments")).context["quarters"]] == [
        (2027, 3),
        (2027, 4),
        (2028, 1),
    ]
