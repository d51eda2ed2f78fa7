"""The demo's calendar: the quarters it tells the story of, and the moments of one allocation round.

Everything is relative to today, so the demo looks the same whenever it is seeded: six past quarters, the current
one and the next. A quarter's round (call, submissions, checks, reviews, panel, run, offers) happens in the weeks
before the quarter starts; its usage during it; its reclaim when the next quarter starts.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from allocations.capacity.split import quarter_bounds

PAST_QUARTERS = 6


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def bounds(self) -> tuple[dt.date, dt.date]:
        return quarter_bounds(self.year, self.number)

    @property
    def start(self) -> dt.date:
        return self.bounds[0]

    @property
    def end(self) -> dt.date:
        """The first day of the next quarter (periods and grants end on it, exclusive)."""
        return self.bounds[1]

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    @property
    def slug(self) -> str:
        return f"{self.year}-q{self.number}"

    def shifted(self, quarters: int) -> "Quarter":
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def at(self, days: float, hour: int = 10) -> dt.datetime:
        """A moment ``days`` after (negative: before) the quarter's first day, at ``hour`` local time."""
        day = self.start + dt.timedelta(days=int(days))
        return moment(day, hour)


def moment(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def current_quarter(today: dt.date | None = None) -> Quarter:
    today = today or timezone.localdate()
    return Quarter(today.year, (today.month - 1) // 3 + 1)


def past_quarters(today: dt.date | None = None, count: int = PAST_QUARTERS) -> list[Quarter]:
    """The ``count`` quarters before the current one, oldest first."""
    current = current_quarter(today)
    return [current.shifted(-n) for n in range(count, 0, -1)]


# The days of a round, counted from the first day of the quarter it allocates.
OPENS = -85  # the call opens
SUBMITTED_FROM, SUBMITTED_TO = -80, -50  # applications come in
CUTOFF = -46  # the (last) cut-off, 17:00
CHECKED = -44  # eligibility and technical checks
ASSIGNED = -43  # reviewers assigned (Large Scale)
REVIEWED = -36  # reviews submitted
REPLIED = -33  # the PI's reply
DECIDED = -24  # the panel decides
SPLIT = -22  # the period's capacity is split into pools
COMMITTED = -20  # runs committed, offers sent
ANSWERED = -17  # offers answered
