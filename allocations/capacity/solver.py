"""Share one pool's GPU-seconds among ranked requests: pure, deterministic and explainable (no Django, no I/O).

``allocate(requests, capacity, policy) -> Result``. Requests are considered in a total order: panel rank, then
submission time, then id, so the same requests in any input order give the same result. Every request gets an
``Allocation`` with its position in that order, the amount granted and a ``Reason`` with the numbers a one-line
explanation needs (rendered, translated, by the portal).

Policies (all amounts are integers; no grant exceeds its request; no grant lies strictly between 0 and its minimum;
the grants never sum to more than the capacity):

``rank_greedy``
    In rank order grant the full request while it fits; when it does not fit, grant what is left if that is at
    least the minimum, otherwise grant nothing (waitlisted) and go on with the next request. Equivalently: the
    lexicographically largest vector of grants, read in rank order, among all feasible ones.

``proportional``
    Admission on minimums in rank order: a request is admitted when its minimum fits next to the minimums of the
    requests admitted before it; the others are waitlisted (so when minimums do not all fit, the lowest-ranked give
    way first). If the admitted requests fit in full they get them. Otherwise every admitted request gets the same
    fraction ``f`` of its request, raised to its minimum where that is more (``max(minimum, f x request)``), with
    ``f`` chosen by water-filling so the pool is used exactly (the real-valued shares are then the leximin-best:
    the smallest share of a request as large as possible, then the next, ...). Integer grants are the closest integer
    vector to those exact shares with the same total (least total absolute difference: round down, then one more
    second each to the largest fractional parts), ties broken in favour of the higher rank.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

BASIS_POINTS = 10_000


class Policy(StrEnum):
    RANK_GREEDY = "rank_greedy"
    PROPORTIONAL = "proportional"


class Reason(StrEnum):
    FULL = "full"  # granted in full
    POOL_EXHAUSTED = "pool_exhausted"  # rank_greedy: granted what was left of the pool (at least the minimum)
    BELOW_MINIMUM = "below_minimum"  # rank_greedy: what was left is below the minimum: waitlisted
    SHARE = "share"  # proportional: the common share of the request
    MINIMUM = "minimum"  # proportional: raised to the minimum, which is more than the common share
    NO_ROOM = "no_room"  # proportional: the minimums of higher-ranked requests leave no room: waitlisted


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    rank: int
    requested: int
    minimum: int = 0
    submitted: int = 0  # a sortable submission time (e.g. Unix microseconds); second tie-breaker after rank


class Allocation(NamedTuple):  # a tuple: cheap to build by the hundred thousand
    id: int
    position: int  # 1-based place in the order rank, submission, id
    requested: int
    minimum: int
    granted: int
    reason: Reason
    available: int  # rank_greedy: pool left when considered; proportional: room left for minimums
    share_bp: int = 0  # proportional: the common share in basis points

    @property
    def waitlisted(self) -> bool:
        return self.granted == 0

    @property
    def partial(self) -> bool:
        return 0 < self.granted < self.requested


@dataclass(frozen=True, slots=True)
class Result:
    policy: Policy
    capacity: int
    allocations: tuple[Allocation, ...]  # in position order

    @property
    def total_granted(self) -> int:
        return sum(a.granted for a in self.allocations)

    @property
    def unallocated(self) -> int:
        return self.capacity - self.total_granted

    def by_id(self) -> dict[int, Allocation]:
        return {a.id: a for a in self.allocations}


def order(requests: Iterable[Request]) -> list[Request]:
    """The total order every policy uses: rank, then submission time, then id."""
    return sorted(requests, key=lambda r: (r.rank, r.submitted, r.id))


def _validate(requests: list[Request], capacity: int) -> None:
    if not isinstance(capacity, int) or capacity < 0:
        raise ValueError("capacity must be a non-negative integer")
    seen: set[int] = set()
    for r in requests:
        if r.id in seen:
            raise ValueError(f"request id {r.id} appears twice")
        seen.add(r.id)
        if r.requested <= 0:
            raise ValueError(f"request {r.id}: the requested amount must be positive")
        if not 0 <= r.minimum <= r.requested:
            raise ValueError(f"request {r.id}: the minimum must lie between 0 and the requested amount")


def allocate(requests: Iterable[Request], capacity: int, policy: Policy | str) -> Result:
    """Grant ``capacity`` to ``requests`` under ``policy``; raises ValueError on malformed input."""
    ordered = order(requests)
    _validate(ordered, capacity)
    policy = Policy(policy)
    solve = _rank_greedy if policy is Policy.RANK_GREEDY else _proportional
    allocations = solve(ordered, capacity)
    return Result(policy=policy, capacity=capacity, allocations=tuple(allocations))


def _rank_greedy(ordered: list[Request], capacity: int) -> list[Allocation]:
    left = capacity
    out = []
    for position, r in enumerate(ordered, 1):
        if r.requested <= left:
            granted, reason = r.requested, Reason.FULL
        elif left >= max(r.minimum, 1):
            granted, reason = left, Reason.POOL_EXHAUSTED
        else:
            granted, reason = 0, Reason.BELOW_MINIMUM
        out.append(Allocation(r.id, position, r.requested, r.minimum, granted, reason, left))
        left -= granted
    return out


def _ratio_key(numerator: int, denominator: int, scale: int) -> int:
    """An integer key that orders the fractions ``numerator / denominator`` exactly (for denominators < 2**bits
    with ``scale = 2**(2 * bits + 2)``: distinct fractions differ by at least ``1 / denominator**2``)."""
    return numerator * scale // denominator


def _proportional(ordered: list[Request], capacity: int) -> list[Allocation]:
    room = capacity
    admitted: list[tuple[int, Request]] = []
    room_seen: dict[int, int] = {}
    for position, r in enumerate(ordered, 1):
        room_seen[position] = room
        if r.minimum <= room:
            admitted.append((position, r))
            room -= r.minimum
    granted: dict[int, int] = {}
    share_bp = BASIS_POINTS
    at_minimum: set[int] = set()
    if sum(r.requested for _p, r in admitted) <= capacity:
        granted = {p: r.requested for p, r in admitted}
    else:
        numerator, denominator, raised = _water_level(admitted, capacity)
        share_bp = numerator * BASIS_POINTS // denominator
        raised_positions = {p for p, _r in raised}
        for position, r in admitted:
            if position in raised_positions:
                granted[position] = r.requested * numerator // denominator
            else:
                granted[position] = r.minimum
                at_minimum.add(position)
        # Rounding down loses less than one second per raised request; the seconds left go, one each, to the
        # largest fractional parts (largest remainder), ties to the higher rank.
        leftover = capacity - sum(granted.values())
        remainders = sorted((-(r.requested * numerator % denominator), p) for p, r in raised)
        for _remainder, position in remainders[:leftover]:
            granted[position] += 1
    out = []
    for position, r in enumerate(ordered, 1):
        if position not in granted:
            out.append(Allocation(r.id, position, r.requested, r.minimum, 0, Reason.NO_ROOM, room_seen[position]))
            continue
        amount = granted[position]
        if amount == r.requested:
            reason = Reason.FULL
        elif position in at_minimum and r.minimum > 0:
            reason = Reason.MINIMUM
        else:
            reason = Reason.SHARE
        out.append(Allocation(r.id, position, r.requested, r.minimum, amount, reason, room_seen[position], share_bp))
    return out


def _water_level(admitted: list[tuple[int, Request]], capacity: int) -> tuple[int, int, list[tuple[int, Request]]]:
    """The water level ``f = numerator / denominator`` (0 <= f < 1) at which ``sum(max(minimum, f x requested))``
    equals ``capacity``, and the requests raised above their minimum at that level (f >= minimum / requested).

    Requests are swept by their threshold ``minimum / requested``; with the first ``j`` raised,
    ``f = (capacity - minimums of the others) / requests of the first j``; the first ``j`` whose ``f`` lies between
    the j-th and (j+1)-th threshold is the answer (the sum is continuous and non-decreasing in f).
    """
    scale = 1 << (2 * max(r.requested for _p, r in admitted).bit_length() + 2)
    by_threshold = sorted(admitted, key=lambda item: (_ratio_key(item[1].minimum, item[1].requested, scale), item[0]))
    count = len(by_threshold)
    minimums_after = [0] * (count + 1)
    for index in range(count - 1, -1, -1):
        minimums_after[index] = minimums_after[index + 1] + by_threshold[index][1].minimum
    requested_before = 0
    for j in range(1, count + 1):
        last = by_threshold[j - 1][1]
        requested_before += last.requested
        numerator = capacity - minimums_after[j]
        denominator = requested_before
        if numerator * last.requested < last.minimum * denominator:
            continue  # the j-th request would not be above its minimum at this level
        if j < count:
            following = by_threshold[j][1]
            if numerator * following.requested > following.minimum * denominator:
                continue  # the next request would be raised too: the level is further on
        return numerator, denominator, by_threshold[:j]
    raise AssertionError("no water level found")  # unreachable when minimums fit and requests exceed capacity
