"""Properties of the pure solver for both policies, and a brute-force check of each stated objective on small
inputs (up to 8 requests)."""

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from allocations.capacity.solver import Policy, Reason, Request, allocate, order

POLICIES = list(Policy)
FAST = settings(max_examples=80, deadline=None)
BRUTE = settings(max_examples=60, deadline=None)


@st.composite
def requests(draw, max_size=30, max_amount=10_000, min_size=0):
    """Requests with unique ids; ranks and submission times collide on purpose to exercise the tie-breakers."""
    size = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=size, max_size=size, unique=True))
    out = []
    for request_id in ids:
        requested = draw(st.integers(1, max_amount))
        minimum = draw(st.one_of(st.just(0), st.integers(0, requested)))
        out.append(
            Request(
                id=request_id,
                rank=draw(st.integers(1, 5)),
                requested=requested,
                minimum=minimum,
                submitted=draw(st.integers(0, 3)),
            )
        )
    return out


capacities = st.integers(0, 120_000)


@FAST
@given(requests(), capacities, st.sampled_from(POLICIES))
def test_never_more_than_capacity_nor_request_nor_between_zero_and_minimum(reqs, capacity, policy):
    result = allocate(reqs, capacity, policy)
    assert result.total_granted <= capacity
    assert result.unallocated == capacity - result.total_granted >= 0
    assert len(result.allocations) == len(reqs)
    for a in result.allocations:
        assert 0 <= a.granted <= a.requested
        assert not 0 < a.granted < a.minimum
        assert (a.reason is Reason.FULL) == (a.granted == a.requested)
        if a.reason in (Reason.BELOW_MINIMUM, Reason.NO_ROOM):
            assert a.granted == 0


@FAST
@given(requests(), capacities, st.sampled_from(POLICIES), st.randoms(use_true_random=False))
def test_same_result_for_any_input_order(reqs, capacity, policy, rnd):
    shuffled = list(reqs)
    rnd.shuffle(shuffled)
    assert allocate(reqs, capacity, policy) == allocate(shuffled, capacity, policy)


@FAST
@given(requests(), capacities, st.sampled_from(POLICIES))
def test_positions_follow_rank_then_submission_then_id(reqs, capacity, policy):
    result = allocate(reqs, capacity, policy)
    assert [a.id for a in result.allocations] == [r.id for r in order(reqs)]
    assert [a.position for a in result.allocations] == list(range(1, len(reqs) + 1))


@FAST
@given(requests(), capacities)
def test_the_pool_is_used_up_when_demand_exceeds_it_proportional(reqs, capacity):
    result = allocate(reqs, capacity, Policy.PROPORTIONAL)
    admitted = [r for r, a in zip(order(reqs), result.allocations, strict=True) if a.reason is not Reason.NO_ROOM]
    assert result.total_granted == min(capacity, sum(r.requested for r in admitted))


# --- rank_greedy and more capacity ------------------------------------------------------------------------------


@FAST
@given(requests(), capacities, st.integers(0, 50_000))
def test_rank_greedy_more_capacity_is_never_worse_in_rank_order(reqs, capacity, extra):
    """With more capacity the grants, read in rank order, are lexicographically at least as good, and a request
    only ever gets less when a request ranked above it was waitlisted before and is granted now."""
    before = allocate(reqs, capacity, Policy.RANK_GREEDY).allocations
    after = allocate(reqs, capacity + extra, Policy.RANK_GREEDY).allocations
    assert [a.granted for a in after] >= [b.granted for b in before]
    for index, (b, a) in enumerate(zip(before, after, strict=True)):
        if a.granted < b.granted:
            assert any(bb.granted == 0 < aa.granted for bb, aa in zip(before[:index], after[:index], strict=True)), (
                "a request lost hours without a higher-ranked request newly fitting"
            )


@FAST
@given(requests(), capacities, st.integers(0, 50_000))
def test_rank_greedy_more_capacity_never_gives_any_request_less_when_minimums_do_not_bind(reqs, capacity, extra):
    reqs = [Request(r.id, r.rank, r.requested, min(r.minimum, 1), r.submitted) for r in reqs]
    before = allocate(reqs, capacity, Policy.RANK_GREEDY)
    after = allocate(reqs, capacity + extra, Policy.RANK_GREEDY)
    for b, a in zip(before.allocations, after.allocations, strict=True):
        assert a.granted >= b.granted


def test_rank_greedy_skipping_means_more_capacity_can_give_a_lower_rank_less():
    """Why the monotonicity above is conditional: at 9 the first request (minimum 10) is skipped and the second
    gets its 5; at 10 the first fits exactly and nothing is left. Skipping (as the policy requires) and "more
    capacity never gives anyone less" cannot both hold."""
    reqs = [Request(1, rank=1, requested=10, minimum=10), Request(2, rank=2, requested=5, minimum=1)]
    assert [a.granted for a in allocate(reqs, 9, Policy.RANK_GREEDY).allocations] == [0, 5]
    assert [a.granted for a in allocate(reqs, 10, Policy.RANK_GREEDY).allocations] == [10, 0]


# --- brute force on small inputs -------------------------------------------------------------------------------


def _options(r: Request) -> list[int]:
    return [0, *range(max(r.minimum, 1), r.requested + 1)]


def _feasible(reqs: list[Request], capacity: int, prefix=()):
    if len(prefix) == len(reqs):
        yield prefix
        return
    used = sum(prefix)
    for g in _options(reqs[len(prefix)]):
        if used + g <= capacity:
            yield from _feasible(reqs, capacity, (*prefix, g))


def brute_rank_greedy(reqs: list[Request], capacity: int) -> list[int]:
    """The stated objective: the lexicographically largest feasible vector of grants in rank order."""
    return list(max(_feasible(order(reqs), capacity)))


def _with_sum(bounds: list[tuple[int, int]], total: int, prefix=()):
    if len(prefix) == len(bounds):
        if total == 0:
            yield prefix
        return
    low, high = bounds[len(prefix)]
    rest_low = sum(b[0] for b in bounds[len(prefix) + 1 :])
    rest_high = sum(b[1] for b in bounds[len(prefix) + 1 :])
    for g in range(low, high + 1):
        if rest_low <= total - g <= rest_high:
            yield from _with_sum(bounds, total - g, (*prefix, g))


def _exact_shares(reqs: list[Request], total: int) -> list[Fraction]:
    """The real-valued water-filling grants max(minimum, f x request) summing to ``total``, found exhaustively: try
    every set of requests raised above their minimum, solve for f and keep the consistent one."""
    n = len(reqs)
    if total == sum(r.requested for r in reqs):
        return [Fraction(r.requested) for r in reqs]
    for bits in range(1, 2**n):
        raised = [i for i in range(n) if bits >> i & 1]
        rest = sum(reqs[i].minimum for i in range(n) if i not in raised)
        f = Fraction(total - rest, sum(reqs[i].requested for i in raised))
        if not 0 <= f < 1:
            continue
        shares = [max(Fraction(r.minimum), f * r.requested) for r in reqs]
        if sum(shares) == total:
            return shares
    return [Fraction(r.minimum) for r in reqs]  # the minimums use the whole total


def brute_proportional(reqs: list[Request], capacity: int) -> list[int]:
    """The stated objective, searched exhaustively: the admitted set is the lexicographically largest (in rank
    order) set whose minimums fit; the admitted use min(capacity, their requests); among all integer vectors
    within [minimum, request] with that total, the one closest to the exact water-filling shares (least total
    absolute difference), ties to the higher rank (lexicographically largest in rank order)."""
    ordered = order(reqs)
    n = len(ordered)
    best_set = max(
        mask
        for mask in (tuple((bits >> (n - 1 - i)) & 1 for i in range(n)) for bits in range(2**n))
        if sum(r.minimum for r, m in zip(ordered, mask, strict=True) if m) <= capacity
    )
    admitted = [ordered[i] for i in range(n) if best_set[i]]
    total = min(capacity, sum(r.requested for r in admitted))
    exact = _exact_shares(admitted, total) if admitted else []
    bounds = [(r.minimum, r.requested) for r in admitted]

    def key(vector):
        return (-sum(abs(g - x) for g, x in zip(vector, exact, strict=True)), vector)

    best = iter(max(_with_sum(bounds, total), key=key)) if admitted else iter(())
    return [next(best) if m else 0 for m in best_set]


small_requests = requests(max_size=8, max_amount=5, min_size=1)


@BRUTE
@given(small_requests, st.integers(0, 25))
def test_rank_greedy_matches_brute_force(reqs, capacity):
    result = allocate(reqs, capacity, Policy.RANK_GREEDY)
    assert [a.granted for a in result.allocations] == brute_rank_greedy(reqs, capacity)


@BRUTE
@given(requests(max_size=7, max_amount=5, min_size=1), st.integers(0, 25))
def test_proportional_matches_brute_force(reqs, capacity):
    assume(sum(r.requested for r in reqs) <= 30)
    result = allocate(reqs, capacity, Policy.PROPORTIONAL)
    assert [a.granted for a in result.allocations] == brute_proportional(reqs, capacity)


@pytest.mark.parametrize(
    ("reqs", "capacity", "expected"),
    [
        # the common share is 40 %; the first is raised to its minimum 60, the third asks exactly its minimum
        ([Request(1, 1, 100, 60), Request(2, 2, 50, 10), Request(3, 3, 40, 40)], 120, [60, 20, 40]),
        # minimums 6 + 5 do not fit in 10: the second gives way, the third still fits; f = 10/12 gives 6.67 and
        # 3.33, rounded by largest remainder to 7 and 3
        ([Request(1, 1, 8, 6), Request(2, 2, 5, 5), Request(3, 3, 4, 1)], 10, [7, 0, 3]),
        ([Request(1, 1, 3), Request(2, 2, 2)], 4, [2, 2]),
    ],
)
def test_proportional_examples(reqs, capacity, expected):
    assert [a.granted for a in allocate(reqs, capacity, Policy.PROPORTIONAL).allocations] == expected


def test_rank_greedy_example_with_explanation_numbers():
    reqs = [Request(1, 1, 50, 10), Request(2, 2, 40, 30), Request(3, 3, 40, 20), Request(4, 4, 5, 5)]
    result = allocate(reqs, 100, Policy.RANK_GREEDY)
    assert [(a.granted, a.reason, a.available) for a in result.allocations] == [
        (50, Reason.FULL, 100),
        (40, Reason.FULL, 50),
        (0, Reason.BELOW_MINIMUM, 10),
        (5, Reason.FULL, 10),
    ]
    assert result.unallocated == 5


@pytest.mark.parametrize(
    "bad",
    [
        [Request(1, 1, 0)],
        [Request(1, 1, 10, 11)],
        [Request(1, 1, 10, -1)],
        [Request(1, 1, 10), Request(1, 2, 10)],
    ],
)
def test_malformed_requests_are_refused(bad):
    with pytest.raises(ValueError):
        allocate(bad, 10, Policy.RANK_GREEDY)


def test_unknown_policy_and_negative_capacity_are_refused():
    with pytest.raises(ValueError):
        allocate([], 10, "lottery")
    with pytest.raises(ValueError):
        allocate([], -1, Policy.RANK_GREEDY)


def test_solver_has_no_django_import():
    import ast
    import pathlib

    import allocations.capacity.solver as solver

    tree = ast.parse(pathlib.Path(solver.__file__).read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith("django")]
