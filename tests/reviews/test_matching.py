"""The optimal matching, as properties over random pools: never a conflicted pair, never above a load limit, every
place filled when the pool allows (else the shortfall is reported), the same input gives the same output; on small
pools both objectives equal an exhaustive search."""

import functools
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.matching import BOTTLENECK, TOTAL, NotChosen, Pool, match


@st.composite
def pools(draw, max_apps=8, max_reviewers=6):
    n_apps = draw(st.integers(1, max_apps))
    n_reviewers = draw(st.integers(1, max_reviewers))
    app_ids = draw(st.lists(st.integers(1, 10_000), min_size=n_apps, max_size=n_apps, unique=True))
    rev_ids = draw(st.lists(st.integers(1, 10_000), min_size=n_reviewers, max_size=n_reviewers, unique=True))
    needed = draw(st.lists(st.integers(0, 2), min_size=n_apps, max_size=n_apps))
    capacity = draw(st.lists(st.integers(0, 2), min_size=n_reviewers, max_size=n_reviewers))
    # Affinities in tenths: the scaled integers are exact, so totals compare exactly.
    cells = draw(st.lists(st.integers(0, 10), min_size=n_apps * n_reviewers, max_size=n_apps * n_reviewers))
    affinity = np.array(cells, dtype=float).reshape(n_apps, n_reviewers) / 10
    pairs = list(itertools.product(app_ids, rev_ids))
    conflicted = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 3, unique=True))
    conflicts = {pair: draw(st.sampled_from(["organisation", "co_author", "excluded"])) for pair in conflicted}
    suggested = frozenset(draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 3, unique=True)))
    return Pool(app_ids, rev_ids, needed, capacity, affinity, conflicts, suggested)


def _check_feasible(pool: Pool, matching) -> None:
    loads: dict[int, int] = {}
    seen = set()
    capacity = dict(zip(pool.reviewer_ids, pool.capacity, strict=True))
    needed = dict(zip(pool.application_ids, pool.needed, strict=True))
    per_app: dict[int, int] = {}
    suggested_used: dict[int, int] = {}
    for p in matching.pairs:
        assert (p.application_id, p.reviewer_id) not in pool.conflicts
        if (p.application_id, p.reviewer_id) in pool.suggested:
            suggested_used[p.application_id] = suggested_used.get(p.application_id, 0) + 1
        assert (p.application_id, p.reviewer_id) not in seen
        seen.add((p.application_id, p.reviewer_id))
        loads[p.reviewer_id] = loads.get(p.reviewer_id, 0) + 1
        per_app[p.application_id] = per_app.get(p.application_id, 0) + 1
    assert all(loads[r] <= capacity[r] for r in loads)
    assert all(n <= 1 for n in suggested_used.values())
    for app_id, n in needed.items():
        assert per_app.get(app_id, 0) + matching.shortfall.get(app_id, 0) == max(n, 0)


def _exhaustive(pool: Pool, threshold: float) -> tuple[int, int]:
    """(most pairs, highest total in tenths) over every assignment using only pairs with affinity >= threshold."""
    apps = list(range(len(pool.application_ids)))
    weight = np.rint(pool.affinity * 10).astype(int)
    allowed = [
        [
            j
            for j in range(len(pool.reviewer_ids))
            if (pool.application_ids[i], pool.reviewer_ids[j]) not in pool.conflicts and weight[i, j] >= threshold
        ]
        for i in apps
    ]

    @functools.cache
    def best(i: int, left: tuple[int, ...]) -> tuple[int, int]:
        if i == len(apps):
            return (0, 0)
        result = (-1, -1)
        for k in range(max(pool.needed[i], 0) + 1):
            for chosen in itertools.combinations(allowed[i], k):
                suggested = [j for j in chosen if (pool.application_ids[i], pool.reviewer_ids[j]) in pool.suggested]
                if any(left[j] == 0 for j in chosen) or len(suggested) > 1:
                    continue
                rest = tuple(c - (j in chosen) for j, c in enumerate(left))
                count, total = best(i + 1, rest)
                result = max(result, (count + k, total + sum(weight[i, j] for j in chosen)))
        return result

    return best(0, tuple(max(c, 0) for c in pool.capacity))


def _brute_force(pool: Pool) -> dict[str, tuple[int, int | None, int]]:
    """(pairs, weakest pair, total) per objective, in tenths, by exhaustive search."""
    most, top_total = _exhaustive(pool, 0)
    if most == 0:
        return {TOTAL: (0, None, 0), BOTTLENECK: (0, None, 0)}
    bottleneck = max(t for t in range(11) if _exhaustive(pool, t)[0] == most)
    return {TOTAL: (most, None, top_total), BOTTLENECK: (most, bottleneck, _exhaustive(pool, bottleneck)[1])}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_both_objectives_equal_an_exhaustive_search(pool):
    expected = _brute_force(pool)
    for objective in (TOTAL, BOTTLENECK):
        matching = match(pool, objective=objective)
        _check_feasible(pool, matching)
        count, bottleneck, total = expected[objective]
        assert len(matching.pairs) == count
        assert round(matching.total * 10) == total
        if objective == BOTTLENECK and count:
            assert round(matching.bottleneck * 10) == bottleneck


@settings(max_examples=60, deadline=None)
@given(pools(max_apps=15, max_reviewers=10), st.sampled_from([None, 1, 3]))
def test_same_input_same_output_whatever_the_order(pool, top_k):
    a, r = len(pool.application_ids), len(pool.reviewer_ids)
    shuffled = Pool(
        list(reversed(pool.application_ids)),
        list(reversed(pool.reviewer_ids)),
        list(reversed(pool.needed)),
        list(reversed(pool.capacity)),
        pool.affinity[::-1, ::-1].reshape(a, r),
        dict(reversed(pool.conflicts.items())),
        pool.suggested,
    )
    for objective in (TOTAL, BOTTLENECK):
        first = match(pool, objective=objective, top_k=top_k)
        _check_feasible(pool, first)
        assert match(pool, objective=objective, top_k=top_k) == first
        assert sorted(match(shuffled, objective=objective, top_k=top_k).pairs, key=str) == sorted(first.pairs, key=str)


def test_full_coverage_when_the_pool_allows_and_shortfall_otherwise():
    affinity = np.array([[0.9, 0.1, 0.5], [0.8, 0.7, 0.2]])
    pool = Pool([10, 20], [1, 2, 3], [2, 2], [2, 1, 1], affinity, {(20, 2): "co_author"})
    matching = match(pool)
    assert sorted((p.application_id, p.reviewer_id) for p in matching.pairs) == [(10, 1), (10, 2), (20, 1), (20, 3)]
    assert matching.shortfall == {}
    assert matching.not_chosen[20].reviewer_id == 2
    assert matching.not_chosen[20].reason == "co_author"
    assert matching.not_chosen[10] == NotChosen(reviewer_id=3, affinity=0.5, reason="load")
    short = match(Pool([10, 20], [1, 2], [2, 2], [1, 1], affinity[:, :2], {(20, 2): "co_author"}))
    assert short.shortfall == {20: 2}  # the same number of pairs, the higher total


def test_bottleneck_trades_a_little_total_for_the_weakest_pair():
    # The maximum total pairs app 1 with reviewer 1 (0.9) and app 2 with reviewer 2 (0.2): weakest pair 0.2.
    affinity = np.array([[0.9, 0.5], [0.5, 0.2]])
    pool = Pool([1, 2], [1, 2], [1, 1], [1, 1], affinity)
    total = match(pool, objective=TOTAL)
    fair = match(pool, objective=BOTTLENECK)
    assert (total.total, total.bottleneck) == (1.1, 0.2)
    assert (fair.total, fair.bottleneck) == (1.0, 0.5)
    assert fair.not_chosen[1] == NotChosen(reviewer_id=1, affinity=0.9, reason="load")


def test_top_k_keeps_each_applications_best_candidates_and_says_so():
    affinity = np.array([[0.9, 0.8, 0.1], [0.9, 0.8, 0.1]])
    pool = Pool([1, 2], [1, 2, 3], [1, 1], [1, 1, 5], affinity)
    restricted = match(pool, top_k=2)
    assert restricted.top_k == 2
    assert match(pool).top_k is None
    assert {p.reviewer_id for p in restricted.pairs} == {1, 2}
    busy = match(Pool([1], [1, 2, 3], [1], [0, 1, 1], affinity[:1]), top_k=1)
    assert [(p.reviewer_id, p.affinity) for p in busy.pairs] == [(2, 0.8)]
    assert busy.not_chosen[1].reason == "load"


def test_unknown_objective_is_refused():
    with pytest.raises(ValueError, match="unknown objective"):
        match(Pool([1], [1], [1], [1], np.array([[0.5]])), objective="greedy")


def test_at_most_one_reviewer_the_applicant_suggested():
    affinity = np.array([[0.9, 0.8, 0.2]])
    pool = Pool([1], [1, 2, 3], [2], [1, 1, 1], affinity, suggested=frozenset({(1, 1), (1, 2)}))
    assert sorted(p.reviewer_id for p in match(pool).pairs) == [1, 3]
    assert sorted(p.reviewer_id for p in match(pool, objective=TOTAL).pairs) == [1, 3]
