"""Capacity arithmetic of a Gigafactory quarter and the split of it into pools (pure: no Django, no I/O).

All amounts are integer GPU-seconds. A quarter runs from its first day (inclusive) to the first day of the next
quarter (exclusive) and counts calendar days of 86,400 seconds (daylight-saving shifts are ignored).
"""

import datetime
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from ledger.shares import BASIS_POINTS, largest_remainder

SECONDS_PER_DAY = 86_400


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """First day of the quarter and first day of the next one."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1, 2, 3 or 4")
    start = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return start, end


@dataclass(frozen=True)
class Capacity:
    seconds: int  # wall-clock seconds in the period
    gross: int  # accelerators x seconds
    available: int  # gross x availability
    reserve: int  # available x reserve (maintenance and strategic use)

    @property
    def net(self) -> int:
        """What the pools share: available minus the reserve."""
        return self.available - self.reserve


def period_capacity(
    *, accelerators: int, start: datetime.date, end: datetime.date, availability_percent: int, reserve_percent: int
) -> Capacity:
    """accelerators x seconds in [start, end) x availability, minus the reserve; each step rounded down."""
    if accelerators < 0:
        raise ValueError("accelerators must not be negative")
    if end <= start:
        raise ValueError("the period must end after it starts")
    if not (0 <= availability_percent <= 100 and 0 <= reserve_percent <= 100):
        raise ValueError("percentages lie between 0 and 100")
    seconds = (end - start).days * SECONDS_PER_DAY
    gross = accelerators * seconds
    available = gross * availability_percent // 100
    reserve = available * reserve_percent // 100
    return Capacity(seconds=seconds, gross=gross, available=available, reserve=reserve)


PARTNERS = "__partners__"


def split_pools[O: Hashable, P: Hashable](
    capacity: int, open_shares_bp: Mapping[O, int], partner_weights: Mapping[P, int]
) -> tuple[dict[O, int], dict[P, int]]:
    """Split ``capacity`` into open-access pools (each its basis points of the capacity) and partner pools (the rest,
    in proportion to ``partner_weights``, e.g. paid-in contributions). Largest remainder at both steps, so the
    parts sum exactly to ``capacity``. Raises ValueError when the open shares exceed 100 % or when something is left
    for partners but no partner has a positive weight.
    """
    if any(bp < 0 for bp in open_shares_bp.values()):
        raise ValueError("shares must not be negative")
    open_total = sum(open_shares_bp.values())
    if open_total > BASIS_POINTS:
        raise ValueError("the open-access shares exceed 100 %")
    partner_bp = BASIS_POINTS - open_total
    if partner_bp and not any(w > 0 for w in partner_weights.values()):
        raise ValueError("no partner has paid in anything to share the rest by")
    first = largest_remainder(capacity, {**{("open", k): bp for k, bp in open_shares_bp.items()}, PARTNERS: partner_bp})
    open_parts = {k: first[("open", k)] for k in open_shares_bp}
    partner_total = first[PARTNERS]
    if partner_total == 0:
        return open_parts, dict.fromkeys(partner_weights, 0)
    return open_parts, largest_remainder(partner_total, partner_weights)


# Under the EuroHPC rules the Union's share of access time follows its contribution, at most 50 % on AI-optimised
# systems; the open calls run on that share.
MAX_OPEN_ACCESS_BP = 5_000


@dataclass(frozen=True)
class OpenAccessShare:
    eu_paid: int  # euro cents paid in by EU programmes
    total_paid: int  # euro cents paid in by every partner
    eu_bp: int  # the EU's share of the contributions (basis points, rounded down)
    cap_bp: int
    open_bp: int  # the open-access share of the capacity: the EU's share, at most the cap

    @property
    def capped(self) -> bool:
        return self.eu_bp > self.cap_bp


def open_access_share(eu_paid: int, total_paid: int, cap_bp: int = MAX_OPEN_ACCESS_BP) -> OpenAccessShare:
    """The open-access share of a capacity: the EU's paid-in share of all contributions, capped at ``cap_bp``."""
    if eu_paid < 0 or total_paid < eu_paid:
        raise ValueError("the EU's contributions lie between 0 and the total")
    eu_bp = eu_paid * BASIS_POINTS // total_paid if total_paid else 0
    return OpenAccessShare(eu_paid, total_paid, eu_bp, cap_bp, min(eu_bp, cap_bp))
