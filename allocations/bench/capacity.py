"""Allocation benchmarks, called by ``scripts/bench.py`` (``make bench``) on a scratch database after Django is set
up: the pure solver on 100,000 requests in one pool and on 1,000 pools of 100, and a full database run (snapshot,
solve, store; then commit into grants and ledger transfers) for 10,000 approved applications."""

import datetime
import random
import time
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from allocations.capacity.solver import Policy, Request, allocate

HOUR = 3600


def _requests(rng: random.Random, count: int, first_id: int = 1) -> list[Request]:
    out = []
    for i in range(first_id, first_id + count):
        requested = rng.randint(200, 2_000_000) * HOUR
        out.append(Request(i, rng.randint(1, count), requested, rng.randint(0, requested // HOUR) * HOUR, i))
    return out


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _solver_rows() -> list[dict]:
    rng = random.Random(7)  # noqa: S311 - benchmark data
    big = _requests(rng, 100_000)
    capacity = sum(r.requested for r in big) // 3
    pools = [_requests(rng, 100, first_id=p * 100) for p in range(1_000)]
    rows = []
    for policy in Policy:
        seconds = _timed(lambda policy=policy: allocate(big, capacity, policy))
        rows.append(
            {
                "name": f"solver {policy}: 100,000 requests, one pool",
                "value": round(seconds, 3),
                "unit": "s",
                "note": "goal < 2 s; demand three times the pool",
            }
        )
        seconds = _timed(lambda policy=policy: [allocate(p, sum(r.requested for r in p) // 3, policy) for p in pools])
        rows.append(
            {
                "name": f"solver {policy}: 1,000 pools of 100",
                "value": round(seconds, 3),
                "unit": "s",
                "note": "goal < 2 s",
            }
        )
    return rows


def _database_rows(count: int = 10_000) -> list[dict]:
    from accounts.models import Organisation
    from allocations.applications.workflow import Status
    from allocations.capacity import services
    from allocations.models import AccessMode, Application, Call, CallStatus, Gigafactory
    from allocations.models.capacity import Grant, Pool

    tag = uuid.uuid4().hex[:8]
    admin = get_user_model().objects.create(email=f"bench-{tag}@example.invalid", full_name="Bench", is_superuser=True)
    gigafactory = Gigafactory.objects.create(
        name=f"Bench Gigafactory {tag}",
        slug=f"bench-{tag}",
        host_country="FI",
        accelerator_model="bench",
        accelerator_count=100_000,
    )
    mode = AccessMode.objects.order_by("position").last()
    call = Call.objects.create(
        title=f"Bench call {tag}",
        slug=f"bench-{tag}",
        access_mode=mode,
        opens_at=timezone.now(),
        status=CallStatus.PUBLISHED,
    )
    call.gigafactories.add(gigafactory)
    organisation = Organisation.objects.create(legal_name=f"Bench {tag}", short_name="BENCH", country="FI", type="sme")
    rng = random.Random(11)  # noqa: S311 - benchmark data
    now = timezone.now()
    applications = Application.objects.bulk_create(
        (
            Application(
                call=call,
                organisation=organisation,
                created_by=admin,
                pi=admin,
                status=Status.APPROVED,
                reference=f"GAP-2099-{i:06d}",
                submitted_at=now - datetime.timedelta(seconds=i),
                title=f"Bench project {i}",
                requested_gpu_hours=(requested := rng.randint(2_000, 30_000)),  # nearly all fit: 10,000 grants
                minimum_gpu_hours=rng.randint(0, requested),
                preferred_gigafactory=gigafactory,
                start_month=datetime.date(2099, 1 + i % 3, 1),  # projects of 3 to 12 months from Q1: up to 4 slices
                duration_months=(3, 6, 12)[i % 3],
            )
            for i in range(1, count + 1)
        ),
        batch_size=2000,
    )
    try:
        from reviews.models import PanelDecision

        PanelDecision.objects.bulk_create(
            (
                PanelDecision(application=a, decision=Status.APPROVED, rank=i, justification="bench", decided_by=admin)
                for i, a in enumerate(applications, 1)
            ),
            batch_size=2000,
        )
    except ImportError:  # without the review stage every application is unranked (submission order)
        pass
    for quarter in (4, 3, 2, 1):  # the later quarters exist already: the commit grants their slices too
        period = services.period_create(
            gigafactory=gigafactory, year=2099, quarter=quarter, reserve_percent=5, by=admin
        )
        services.period_split(
            period_id=period.pk, open_shares_bp={mode.pk: 10_000}, entitlements_on=timezone.localdate(), by=admin
        )
    pool = Pool.objects.get(period=period, access_mode=mode)
    run = services.run_create(pool=pool, policy=Policy.RANK_GREEDY, by=admin)
    compute = _timed(lambda: services.run_execute(run_id=run.pk))
    commit = _timed(lambda: services.run_commit(run_id=run.pk, by=admin))
    grants = Grant.objects.filter(award__run=run).count()
    return [
        {
            "name": f"database run: {count:,} approved applications (snapshot, solve, store)",
            "value": round(compute, 2),
            "unit": "s",
            "note": "goal < 30 s with the commit",
        },
        {
            "name": f"database commit: awards and {grants:,} slice grants over 4 quarters, with transfers, events",
            "value": round(commit, 2),
            "unit": "s",
            "note": f"total {compute + commit:.1f} s",
        },
    ]


def run() -> list[dict]:
    return [*_solver_rows(), *_database_rows()]
