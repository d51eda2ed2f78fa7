"""An award's slices over the quarters of its project: exact sums, dates inside the quarter and the project,
the same slices for the same inputs (property tests), and the worked example of the issue."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from allocations.capacity.slices import award_for_slice, award_slices, project_bounds, quarters_between, slice_for
from allocations.capacity.split import quarter_bounds

HOUR = 3600

start_months = st.builds(dt.date, st.integers(2025, 2030), st.integers(1, 12), st.just(1))
durations = st.integers(1, 36)
totals = st.integers(0, 10**13)


def test_twelve_months_from_february_give_five_slices_with_exact_sums():
    start, end = project_bounds(dt.date(2027, 2, 1), 12)
    assert (start, end) == (dt.date(2027, 2, 1), dt.date(2028, 2, 1))
    slices = award_slices(400_000 * HOUR, start, end)
    assert [(s.year, s.quarter, s.starts_on, s.ends_on) for s in slices] == [
        (2027, 1, dt.date(2027, 2, 1), dt.date(2027, 4, 1)),  # February and March
        (2027, 2, dt.date(2027, 4, 1), dt.date(2027, 7, 1)),
        (2027, 3, dt.date(2027, 7, 1), dt.date(2027, 10, 1)),
        (2027, 4, dt.date(2027, 10, 1), dt.date(2028, 1, 1)),
        (2028, 1, dt.date(2028, 1, 1), dt.date(2028, 2, 1)),  # January
    ]
    assert [s.days for s in slices] == [59, 91, 92, 92, 31]  # 365 days
    assert sum(s.seconds for s in slices) == 400_000 * HOUR
    # Pro rata by days: 400,000 GPU-h x 59 / 365 = 64,657.53... GPU-h, in seconds exactly floor or ceil.
    exact = [400_000 * HOUR * s.days / 365 for s in slices]
    assert all(abs(s.seconds - e) < 1 for s, e in zip(slices, exact, strict=True))
    assert slices[0].seconds == 232_767_123  # 1,440,000,000 x 59 / 365 = 232,767,123.28...


def test_a_project_inside_one_quarter_has_one_slice_of_everything():
    start, end = project_bounds(dt.date(2027, 4, 1), 3)
    assert award_slices(1000, start, end) == [award_slices(1000, start, end)[0]]
    assert award_slices(1000, start, end)[0].seconds == 1000


@given(total=totals, start_month=start_months, months=durations)
def test_slices_sum_exactly_and_lie_inside_their_quarter_and_the_project(total, start_month, months):
    start, end = project_bounds(start_month, months)
    slices = award_slices(total, start, end)
    assert sum(s.seconds for s in slices) == total
    assert sum(s.days for s in slices) == (end - start).days
    assert [(s.year, s.quarter) for s in slices] == quarters_between(start, end)
    for s in slices:
        q_start, q_end = quarter_bounds(s.year, s.quarter)
        assert q_start <= s.starts_on < s.ends_on <= q_end
        assert start <= s.starts_on and s.ends_on <= end
        assert s.seconds >= 0
        # pro rata by days, never more than one second away from the exact share
        assert abs(s.seconds * (end - start).days - total * s.days) < (end - start).days
    assert award_slices(total, start, end) == slices  # the same inputs give the same slices


@given(
    requested=st.integers(1, 10**12),
    fraction=st.fractions(0, 1),
    start_month=start_months,
    months=durations,
)
def test_a_partial_grant_gives_an_award_whose_slice_stays_within_it(requested, fraction, start_month, months):
    start, end = project_bounds(start_month, months)
    quarter = quarters_between(start, end)[0]
    requested_slice = slice_for(award_slices(requested, start, end), *quarter).seconds
    granted = int(requested_slice * fraction)
    total = award_for_slice(granted, requested_slice, requested, start, end, quarter)
    assert 0 <= total <= requested
    assert slice_for(award_slices(total, start, end), *quarter).seconds <= max(granted, 0) or requested_slice == 0
    if granted >= requested_slice:
        assert total == requested
