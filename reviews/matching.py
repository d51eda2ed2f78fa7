"""Optimal reviewer matching over affinity scores. Pure: numbers in, pairs out, no Django.

Every application gets up to its number of reviewers, every reviewer at most their remaining load, a conflicted
pair never; the number of pairs is always the largest the pool allows (a shortfall is reported per application).
Among those, two objectives:

- ``bottleneck`` (the default): first the weakest pair's affinity as high as possible (a binary search over the
  distinct affinities with a max-flow feasibility check), then the total affinity as high as possible using only
  pairs at or above that weakest affinity (min-cost flow).
- ``total``: the total affinity as high as possible (min-cost flow), what Hungarian-style matchers optimise.

Affinities are compared as integers (``SCALE`` steps), so results do not depend on float noise. Applications and
reviewers are sorted by id before solving and the solvers are deterministic: the same input gives the same pairs;
among equally good assignments, earlier applications and lower reviewer ids are preferred.
Large pools may keep only each application's best ``top_k`` eligible reviewers as candidates; the result says so.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

SCALE = 10_000
BOTTLENECK = "bottleneck"
TOTAL = "total"
OBJECTIVES = (BOTTLENECK, TOTAL)

# Why the best reviewer not on an application was not chosen (besides the conflict type codes).
REASON_LOAD = "load"  # at their load limit in this result
REASON_TOP_K = "top_k"  # outside the application's best K candidates
REASON_LOWER = "lower_affinity"  # matches less well than every reviewer chosen
REASON_FAIRNESS = "fairness"  # left out to keep the weakest pair (or another application) higher


@dataclass(frozen=True)
class Pool:
    """One call's matching problem. ``affinity[i][j]`` is application ``i``'s affinity with reviewer ``j`` in
    [0, 1]; ``conflicts`` maps ``(application id, reviewer id)`` to a conflict type code."""

    application_ids: Sequence[int]
    reviewer_ids: Sequence[int]
    needed: Sequence[int]
    capacity: Sequence[int]
    affinity: np.ndarray
    conflicts: Mapping[tuple[int, int], str] = field(default_factory=dict)
    # ``(application id, reviewer id)`` pairs the applicant suggested: at most one of them per application.
    suggested: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Pair:
    application_id: int
    reviewer_id: int
    affinity: float


@dataclass(frozen=True)
class NotChosen:
    """The best reviewer not on an application and why they were not chosen."""

    reviewer_id: int
    affinity: float
    reason: str


@dataclass(frozen=True)
class Matching:
    objective: str
    pairs: tuple[Pair, ...]
    shortfall: dict[int, int]  # application id -> places left open (only those with a shortfall)
    bottleneck: float | None  # the weakest pair's affinity, None without pairs
    total: float
    top_k: int | None  # K when candidates were restricted to each application's best K, else None
    not_chosen: dict[int, NotChosen]


@dataclass
class _Graph:
    """Candidate edges in the sorted index space: application ``rows[e]`` with reviewer ``cols[e]``."""

    rows: np.ndarray
    cols: np.ndarray
    weight: np.ndarray  # integer affinity, 0..SCALE
    needed: np.ndarray
    capacity: np.ndarray
    suggested: np.ndarray  # per edge: the applicant suggested this reviewer

    @property
    def n_apps(self) -> int:
        return len(self.needed)

    def arcs(self):
        """Tails, heads and capacities of source->application, application->reviewer, reviewer->sink and
        application->its suggested-reviewers node (capacity 1) arcs, in that order."""
        a, r = self.n_apps, len(self.capacity)
        source, sink = 0, 1 + a + r
        apps = np.arange(a, dtype=np.int32)
        edge_tails = np.where(self.suggested, 2 + a + r + self.rows, 1 + self.rows)
        tails = np.concatenate([np.zeros(a, np.int32), edge_tails, 1 + a + np.arange(r, dtype=np.int32), 1 + apps])
        heads = np.concatenate([1 + apps, 1 + a + self.cols, np.full(r, sink, np.int32), 2 + a + r + apps])
        caps = np.concatenate([self.needed, np.ones(len(self.rows)), self.capacity, np.ones(a)]).astype(np.int64)
        return source, sink, tails.astype(np.int32), heads.astype(np.int32), caps


def _max_flow(graph: _Graph, threshold: int) -> int:
    source, sink, tails, heads, caps = graph.arcs()
    edge_caps = (graph.weight >= threshold).astype(np.int64)
    caps[graph.n_apps : graph.n_apps + len(edge_caps)] = edge_caps
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails, heads, caps)
    if solver.solve(source, sink) != solver.OPTIMAL:  # pragma: no cover - inputs are bounded integers
        raise RuntimeError("max flow failed")
    return solver.optimal_flow()


def _min_cost_assignment(graph: _Graph, threshold: int) -> np.ndarray:
    """Indices of the chosen edges: the most pairs possible, then the highest total among edges >= threshold."""
    source, sink, tails, heads, caps = graph.arcs()
    keep = graph.weight >= threshold
    edge_caps = keep.astype(np.int64)
    caps[graph.n_apps : graph.n_apps + len(edge_caps)] = edge_caps
    # Ties between equally good assignments go to earlier applications and lower reviewer ids: each edge's
    # cost carries its indices below a factor larger than any sum of them (when that fits the solver's range).
    tie = (graph.rows + graph.cols).astype(np.int64)
    factor = int(graph.needed.sum()) * (graph.n_apps + len(graph.capacity)) + 1
    if SCALE * factor >= 2**40:
        tie, factor = np.zeros_like(tie), 1
    costs = np.concatenate(
        [np.zeros(graph.n_apps), (SCALE - graph.weight) * factor + tie, np.zeros(len(graph.capacity) + graph.n_apps)]
    ).astype(np.int64)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supply = int(graph.needed.sum())
    solver.set_node_supply(source, supply)
    solver.set_node_supply(sink, -supply)
    if solver.solve_max_flow_with_min_cost() != solver.OPTIMAL:  # pragma: no cover
        raise RuntimeError("min-cost flow failed")
    offset = graph.n_apps
    flows = solver.flows(np.arange(offset, offset + len(graph.rows)))
    return np.flatnonzero(flows > 0)


def _bottleneck_threshold(graph: _Graph, at_least: int = 0) -> int:
    """The highest affinity t such that edges >= t still carry as many pairs as all edges (``at_least`` is known
    to be feasible)."""
    best = _max_flow(graph, 0)
    values = np.unique(graph.weight[graph.weight >= at_least])
    if best == 0 or len(values) == 0:
        return 0
    lo, hi = 0, len(values) - 1  # values[lo] is always feasible
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _max_flow(graph, int(values[mid])) == best:
            lo = mid
        else:
            hi = mid - 1
    return int(values[lo])


def _sorted(pool: Pool):
    app_order = np.argsort(np.asarray(pool.application_ids), kind="stable")
    rev_order = np.argsort(np.asarray(pool.reviewer_ids), kind="stable")
    app_ids = [int(pool.application_ids[i]) for i in app_order]
    rev_ids = [int(pool.reviewer_ids[j]) for j in rev_order]
    affinity = np.asarray(pool.affinity, dtype=float).reshape(len(pool.application_ids), len(pool.reviewer_ids))
    weight = np.rint(np.clip(affinity[np.ix_(app_order, rev_order)], 0.0, 1.0) * SCALE).astype(np.int64)
    needed = np.maximum(np.asarray(pool.needed, np.int64).reshape(-1)[app_order], 0)
    capacity = np.maximum(np.asarray(pool.capacity, np.int64).reshape(-1)[rev_order], 0)
    return app_ids, rev_ids, weight, needed, capacity


def _pair_mask(pairs, app_ids: list[int], rev_ids: list[int]) -> np.ndarray:
    mask = np.zeros((len(app_ids), len(rev_ids)), dtype=bool)
    app_index = {a: i for i, a in enumerate(app_ids)}
    rev_index = {r: j for j, r in enumerate(rev_ids)}
    for app_id, reviewer_id in pairs:
        i, j = app_index.get(app_id), rev_index.get(reviewer_id)
        if i is not None and j is not None:
            mask[i, j] = True
    return mask


def _candidates(weight, eligible, needed, capacity, suggested, top_k: int | None) -> tuple[np.ndarray, bool]:
    """Eligible cells, or each row's best ``top_k`` eligible ones (ties to the lower reviewer id). An application
    that the restricted pool cannot serve in full gets twice as many candidates, until it can or has them all."""
    n_reviewers = weight.shape[1]
    if top_k is None or top_k >= n_reviewers:
        return eligible, False
    # Small integers sort by radix: fast, and stable, so ties go to the lower reviewer id.
    order = np.argsort((SCALE - np.where(eligible, weight, -1)).astype(np.int16), axis=1, kind="stable")
    k = np.full(len(weight), max(top_k, 1))
    while True:
        keep = np.zeros_like(eligible)
        np.put_along_axis(keep, order, np.arange(n_reviewers)[None, :] < k[:, None], axis=1)
        keep &= eligible
        short = _short_rows(_graph(keep, weight, needed, capacity, suggested))
        grow = short & (k < n_reviewers)
        if not grow.any():
            return keep, True
        k = np.where(grow, np.minimum(k * 2, n_reviewers), k)


def _graph(keep, weight, needed, capacity, suggested) -> _Graph:
    rows, cols = np.nonzero(keep)
    return _Graph(
        rows.astype(np.int32), cols.astype(np.int32), weight[rows, cols], needed, capacity, suggested[rows, cols]
    )


def _short_rows(graph: _Graph) -> np.ndarray:
    """Applications left short by one maximum flow over the graph's edges."""
    source, sink, tails, heads, caps = graph.arcs()
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails, heads, caps)
    if solver.solve(source, sink) != solver.OPTIMAL:  # pragma: no cover
        raise RuntimeError("max flow failed")
    return solver.flows(np.arange(graph.n_apps)) < graph.needed


def match(pool: Pool, *, objective: str = BOTTLENECK, top_k: int | None = None) -> Matching:
    """Solve one call's matching; see the module docstring for the guarantees."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}")
    app_ids, rev_ids, weight, needed, capacity = _sorted(pool)
    conflicted = _pair_mask(pool.conflicts, app_ids, rev_ids)
    suggested = _pair_mask(pool.suggested, app_ids, rev_ids)
    eligible = ~conflicted & (needed[:, None] > 0) & (capacity[None, :] > 0)
    candidates, restricted = _candidates(weight, eligible, needed, capacity, suggested, top_k)
    graph = _graph(candidates, weight, needed, capacity, suggested)
    has_edges = len(graph.rows) > 0
    threshold = 0
    if objective == BOTTLENECK and has_edges:
        threshold = _bottleneck_threshold(graph)
        # Add every eligible pair at or above the weakest pair found: with them the bottleneck and the total
        # above it are those of the full candidate lists (a pair outside them could only matter if it were above).
        missing = eligible & ~candidates & (weight >= threshold)
        if missing.any():
            candidates = candidates | missing
            graph = _graph(candidates, weight, needed, capacity, suggested)
            threshold = _bottleneck_threshold(graph, at_least=threshold)
    chosen = _min_cost_assignment(graph, threshold) if has_edges else np.zeros(0, np.int64)
    chosen_rows, chosen_cols = graph.rows[chosen], graph.cols[chosen]
    pairs = tuple(
        Pair(app_ids[i], rev_ids[j], int(weight[i, j]) / SCALE) for i, j in zip(chosen_rows, chosen_cols, strict=True)
    )
    got = np.bincount(chosen_rows, minlength=len(app_ids)) if len(app_ids) else np.zeros(0, np.int64)
    shortfall = {app_ids[i]: int(needed[i] - got[i]) for i in range(len(app_ids)) if got[i] < needed[i]}
    assigned = np.zeros_like(eligible)
    assigned[chosen_rows, chosen_cols] = True
    used = np.bincount(chosen_cols, minlength=len(rev_ids)) if len(rev_ids) else np.zeros(0, np.int64)
    context = _Context(pool, app_ids, rev_ids, weight, needed, capacity, used, assigned, candidates)
    return Matching(
        objective=objective,
        pairs=pairs,
        shortfall=shortfall,
        bottleneck=min((p.affinity for p in pairs), default=None),
        total=sum(int(weight[i, j]) for i, j in zip(chosen_rows, chosen_cols, strict=True)) / SCALE,
        top_k=top_k if restricted else None,
        not_chosen=_explain(context),
    )


@dataclass
class _Context:
    pool: Pool
    app_ids: list[int]
    rev_ids: list[int]
    weight: np.ndarray
    needed: np.ndarray
    capacity: np.ndarray
    used: np.ndarray
    assigned: np.ndarray
    candidates: np.ndarray


def _explain(c: _Context) -> dict[int, NotChosen]:
    """Per application: the highest-affinity reviewer not on it (ties to the lower id) and why."""
    if not c.app_ids or not c.rev_ids:
        return {}
    scored = np.where(c.assigned, -1, c.weight)
    best = np.argmax(scored, axis=1)  # first maximum: the lower reviewer id
    result = {}
    for i, j in enumerate(best):
        if scored[i, j] < 0 or c.needed[i] == 0:
            continue
        app_id, reviewer_id = c.app_ids[i], c.rev_ids[j]
        reason = c.pool.conflicts.get((app_id, reviewer_id))
        if reason is None:
            reason = _reason(c, i, int(j))
        result[app_id] = NotChosen(reviewer_id, int(c.weight[i, j]) / SCALE, reason)
    return result


def _reason(c: _Context, i: int, j: int) -> str:
    if c.used[j] >= c.capacity[j]:
        return REASON_LOAD
    if not c.candidates[i, j]:
        return REASON_TOP_K
    mine = c.weight[i][c.assigned[i]]
    if len(mine) and c.weight[i, j] <= mine.min():
        return REASON_LOWER
    return REASON_FAIRNESS
