"""An award's slices: its total GPU-seconds delivered one slice per quarter the project overlaps (pure: no Django).

A project runs from the first day of its start month for ``duration_months`` months (the end is the first day after
it). Each quarter it overlaps gets a slice in proportion to the days of the project that fall in it, split by largest
remainder so the slices sum exactly to the award; a slice's dates are the quarter's clipped to the project.
"""

import datetime
from dataclasses import dataclass

from allocations.capacity.split import quarter_bounds
from ledger.shares import largest_remainder


@dataclass(frozen=True)
class Slice:
    year: int
    quarter: int
    starts_on: datetime.date  # inclusive
    ends_on: datetime.date  # exclusive: the first day after the slice
    seconds: int

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def project_bounds(start_month: datetime.date, duration_months: int) -> tuple[datetime.date, datetime.date]:
    """First day of the project and first day after it."""
    if duration_months < 1:
        raise ValueError("a project lasts at least one month")
    start = start_month.replace(day=1)
    return start, add_months(start, duration_months)


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarters_between(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    """The quarters that [start, end) overlaps, in order."""
    if end <= start:
        raise ValueError("the project must end after it starts")
    quarters = []
    year, quarter = quarter_of(start)
    while quarter_bounds(year, quarter)[0] < end:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def award_slices(total: int, start: datetime.date, end: datetime.date) -> list[Slice]:
    """Slice ``total`` GPU-seconds over the quarters [start, end) overlaps, pro rata by days (largest remainder,
    earlier quarters first on ties). Slices of zero seconds are kept, so every overlapped quarter has its slice."""
    if total < 0:
        raise ValueError("an award is not negative")
    clipped: dict[tuple[int, int], tuple[datetime.date, datetime.date]] = {}
    for year, quarter in quarters_between(start, end):
        q_start, q_end = quarter_bounds(year, quarter)
        clipped[(year, quarter)] = (max(start, q_start), min(end, q_end))
    parts = largest_remainder(total, {key: (e - s).days for key, (s, e) in clipped.items()})
    return [
        Slice(year=year, quarter=quarter, starts_on=s, ends_on=e, seconds=parts[(year, quarter)])
        for (year, quarter), (s, e) in clipped.items()
    ]


def slice_for(slices: list[Slice], year: int, quarter: int) -> Slice | None:
    return next((s for s in slices if (s.year, s.quarter) == (year, quarter)), None)


def award_for_slice(
    granted: int, requested_slice: int, requested_total: int, start: datetime.date, end: datetime.date, quarter
) -> int:
    """The award total when a quarter's slice of a request was granted ``granted`` of ``requested_slice``: the same
    fraction of the whole request, lowered until the quarter's slice of it is within what was granted (largest
    remainder may round a slice up by one second)."""
    if granted >= requested_slice:
        return requested_total
    total = granted * requested_total // requested_slice if requested_slice else 0
    while total > 0:
        own = slice_for(award_slices(total, start, end), *quarter)
        if own is None or own.seconds <= granted:
            break
        total -= 1
    return total


def project_from(
    start_month: datetime.date | None, duration_months: int | None, period: tuple[datetime.date, datetime.date]
) -> tuple[datetime.date, datetime.date] | None:
    """The dates an award made in ``period`` covers: the project from its start month for its duration, less any
    months before the period (they are past). A project without dates covers the period. ``None`` when the project
    does not overlap the period (it starts later or ended earlier): it is not offered hours there."""
    if start_month is None or not duration_months:
        return period
    start, end = project_bounds(start_month, duration_months)
    if start >= period[1] or end <= period[0]:
        return None
    return max(start, period[0]), end


def fit_commitments(size: int, committed: list[int], *, scale: bool) -> list[int] | None:
    """The slices committed to a pool of ``size``: unchanged when they fit; when they do not, ``None`` (refuse)
    unless ``scale``, then each scaled down pro rata (largest remainder) so they sum exactly to ``size``. Never
    more than a slice was, and never more than the pool."""
    if size < 0 or any(amount < 0 for amount in committed):
        raise ValueError("sizes and slices are not negative")
    if sum(committed) <= size:
        return list(committed)
    if not scale:
        return None
    parts = largest_remainder(size, dict(enumerate(committed)))
    return [parts[i] for i in range(len(committed))]
