"""Reviewer matching on one synthetic pool: today's greedy, maximum total (Hungarian-style), a FairFlow-style
heuristic and the default (weakest pair first, then total).

The pool is deterministic (fixed seed). Topics sit on a ring so neighbouring topics overlap; applications crowd
into a few popular topics (Zipf) while reviewers spread evenly, and one reviewer in ten is a generalist with
several topics whom many applications want. Conflicts: same organisation, plus a few random co-authorships.
No database: ``run()`` (for ``make bench``) returns one row per method and size, and ``markdown()`` the
comparison table for ``docs/benchmarks.md`` (``python -m reviews.bench``).
"""

import time
from dataclasses import dataclass

import numpy as np

from reviews.matching import BOTTLENECK, TOTAL, Pool, match

SIZES = ((500, 150, 3), (5_000, 1_000, 3))
TOP_K = 50
SEED = 20261207


def synthetic_pool(n_apps: int, n_reviewers: int, per_app: int, *, seed: int = SEED) -> Pool:
    rng = np.random.default_rng(seed)
    n_topics = 40
    embedding = np.eye(n_topics) + 0.5 * np.roll(np.eye(n_topics), 1, axis=1) + 0.25 * np.roll(np.eye(n_topics), 2, 1)
    popularity = 1 / np.arange(1, n_topics + 1) ** 0.8
    popularity /= popularity.sum()

    def mixture(n: int, topics_each: np.ndarray, p=None) -> np.ndarray:
        weights = np.zeros((n, n_topics))
        for i, k in enumerate(topics_each):
            chosen = rng.choice(n_topics, size=k, replace=False, p=p)
            weights[i, chosen] = rng.uniform(0.3, 1.0, size=k)
        return weights @ embedding

    apps = mixture(n_apps, rng.integers(1, 3, n_apps), popularity)
    generalist = rng.random(n_reviewers) < 0.1
    reviewers = mixture(
        n_reviewers, np.where(generalist, rng.integers(5, 9, n_reviewers), rng.integers(1, 4, n_reviewers))
    )
    apps /= np.linalg.norm(apps, axis=1, keepdims=True)
    reviewers /= np.linalg.norm(reviewers, axis=1, keepdims=True)
    affinity = np.round(np.clip(apps @ reviewers.T + rng.uniform(0, 0.05, (n_apps, n_reviewers)), 0, 1), 4)

    mean_load = per_app * n_apps / n_reviewers
    capacity = rng.integers(int(mean_load * 0.8), int(mean_load * 1.8) + 1, n_reviewers)
    n_orgs = max(n_apps // 3, 10)
    app_org, reviewer_org = rng.integers(0, n_orgs, n_apps), rng.integers(0, n_orgs, n_reviewers)
    conflicts = {}
    for j in range(n_reviewers):
        for i in np.flatnonzero(app_org == reviewer_org[j]):
            conflicts[(int(i) + 1, j + 1)] = "organisation"
    for i, j in zip(rng.integers(0, n_apps, n_apps // 2), rng.integers(0, n_reviewers, n_apps // 2), strict=True):
        conflicts.setdefault((int(i) + 1, int(j) + 1), "co_author")
    return Pool(
        application_ids=list(range(1, n_apps + 1)),
        reviewer_ids=list(range(1, n_reviewers + 1)),
        needed=[per_app] * n_apps,
        capacity=capacity.tolist(),
        affinity=affinity,
        conflicts=conflicts,
    )


def _mask(pool: Pool) -> np.ndarray:
    mask = np.zeros(pool.affinity.shape, dtype=bool)
    for a, r in pool.conflicts:
        mask[a - 1, r - 1] = True
    return mask


def greedy(pool: Pool) -> list[tuple[int, int]]:
    """Today's rule with affinity as the score: applications in id order, each place to the best eligible reviewer
    with room (then the lowest load, then the lowest id)."""
    load = np.zeros(len(pool.reviewer_ids), dtype=np.int64)
    capacity = np.asarray(pool.capacity)
    conflicted = _mask(pool)
    pairs = []
    for i, needed in enumerate(pool.needed):
        open_ = ~conflicted[i] & (load < capacity)
        order = np.lexsort((np.arange(len(load)), load, -pool.affinity[i]))
        chosen = [j for j in order if open_[j]][:needed]
        load[chosen] += 1
        pairs += [(i + 1, int(j) + 1) for j in chosen]
    return pairs


def fairflow_style(pool: Pool, rounds: int = 5) -> list[tuple[int, int]]:
    """FairFlow-style heuristic for the weakest application's summed affinity: re-solve the maximum-total flow with
    the affinities of the applications below a target raised, keep the round with the best weakest sum."""
    boost = np.ones(len(pool.application_ids))
    best, best_key = None, None
    for _round in range(rounds):
        weighted = np.clip(pool.affinity * boost[:, None] / boost.max(), 0, 1)
        trial = match(Pool(**{**pool.__dict__, "affinity": weighted}), objective=TOTAL, top_k=TOP_K)
        pairs = [(p.application_id, p.reviewer_id) for p in trial.pairs]
        sums = _app_sums(pool, pairs)
        key = (sums.min(), sums.sum())
        if best_key is None or key > best_key:
            best, best_key = pairs, key
        target = np.percentile(sums, 25)
        boost = np.where(sums < target, boost * 1.5, boost)
    return best


def _app_sums(pool: Pool, pairs) -> np.ndarray:
    sums = np.zeros(len(pool.application_ids))
    for a, r in pairs:
        sums[a - 1] += pool.affinity[a - 1, r - 1]
    return sums


def _gini(values: np.ndarray) -> float:
    values = np.sort(values.astype(float))
    if values.sum() == 0:
        return 0.0
    n = len(values)
    return float((2 * np.arange(1, n + 1) - n - 1) @ values / (n * values.sum()))


@dataclass
class Measures:
    method: str
    total: float
    weakest_pair: float
    weakest_app: float
    p10_app: float
    open_places: int
    load_spread: int
    gini: float
    violations: int
    seconds: float
    cpu_seconds: float


def measure(pool: Pool, method: str, pairs, seconds: float, cpu_seconds: float) -> Measures:
    conflicted = _mask(pool)
    load = np.zeros(len(pool.reviewer_ids), dtype=np.int64)
    per_app = np.zeros(len(pool.application_ids), dtype=np.int64)
    for a, r in pairs:
        load[r - 1] += 1
        per_app[a - 1] += 1
    violations = sum(conflicted[a - 1, r - 1] for a, r in pairs) + len(pairs) - len(set(pairs))
    violations += int((load > np.asarray(pool.capacity)).sum() + (per_app > np.asarray(pool.needed)).sum())
    sums = _app_sums(pool, pairs)
    return Measures(
        method=method,
        total=float(sum(pool.affinity[a - 1, r - 1] for a, r in pairs)),
        weakest_pair=float(min((pool.affinity[a - 1, r - 1] for a, r in pairs), default=0.0)),
        weakest_app=float(sums.min()),
        p10_app=float(np.percentile(sums, 10)),
        open_places=int(np.sum(np.asarray(pool.needed) - per_app)),
        load_spread=int(load.max() - load.min()),
        gini=_gini(load),
        violations=int(violations),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
    )


def compare(n_apps: int, n_reviewers: int, per_app: int) -> list[Measures]:
    pool = synthetic_pool(n_apps, n_reviewers, per_app)
    methods = {
        "greedy (today)": greedy,
        # The reference: full candidate lists, so this is the true maximum total.
        "maximum total": lambda p: [(x.application_id, x.reviewer_id) for x in match(p, objective=TOTAL).pairs],
        "FairFlow-style": fairflow_style,
        "default (weakest pair, then total)": lambda p: [
            (x.application_id, x.reviewer_id) for x in match(p, objective=BOTTLENECK, top_k=TOP_K).pairs
        ],
    }
    results = []
    for name, method in methods.items():
        started, cpu = time.perf_counter(), time.process_time()
        pairs = method(pool)
        results.append(measure(pool, name, pairs, time.perf_counter() - started, time.process_time() - cpu))
    return results


def run() -> list[dict]:
    rows = []
    for n_apps, n_reviewers, per_app in SIZES:
        for m in compare(n_apps, n_reviewers, per_app):
            rows.append(
                {
                    "name": f"matching {n_apps}x{n_reviewers}x{per_app} {m.method}",
                    "value": round(m.seconds, 2),
                    "unit": "s",
                    "note": (
                        f"total {m.total:.1f}, weakest pair {m.weakest_pair:.3f}, weakest app {m.weakest_app:.3f}, "
                        f"p10 app {m.p10_app:.3f}, open {m.open_places}, spread {m.load_spread}, "
                        f"Gini {m.gini:.3f}, violations {m.violations}, CPU {m.cpu_seconds:.2f} s"
                    ),
                }
            )
    return rows


def markdown() -> str:
    lines = [
        "| pool | method | total affinity | weakest pair | weakest application | 10th pct application "
        "| open places | load spread | load Gini | violations | time (CPU) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n_apps, n_reviewers, per_app in SIZES:
        for m in compare(n_apps, n_reviewers, per_app):
            lines.append(
                f"| {n_apps:,} x {n_reviewers:,} x {per_app} | {m.method} | {m.total:,.1f} | {m.weakest_pair:.3f} "
                f"| {m.weakest_app:.3f} | {m.p10_app:.3f} | {m.open_places} | {m.load_spread} | {m.gini:.3f} "
                f"| {m.violations} | {m.seconds:.2f} s ({m.cpu_seconds:.2f} s) |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
