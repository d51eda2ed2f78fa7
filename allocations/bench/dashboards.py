"""Dashboard benchmark: seeds a portal-sized data set in bulk (``allocations.bench.portal_data.seed``, which the
test suite also uses with a small scale for its "large fixture") and times every dashboard page and the register:
``run()`` uses the issue's sizes and reports p50/p95 server time and query counts.
"""

import statistics
import time
import uuid

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from allocations.bench.portal_data import FULL, Scale, seed
from allocations.bench.portal_steps import _copy

__all__ = ["FULL", "Scale", "_copy", "run", "seed"]


# --- timing -------------------------------------------------------------------------------------------------------


def _time(client: Client, url: str, repeat: int) -> tuple[list[float], int, int]:
    """Server time in ms of ``repeat`` GETs (after one warm-up), the query count of the last one and its status."""
    client.get(url)
    times = []
    queries = 0
    status = 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries = len(captured.captured_queries)
        status = response.status_code
    return times, queries, status


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run(scale: Scale = FULL, repeat: int = 20) -> list[dict]:
    """Seed at ``scale``, then time every dashboard page, the stats API and the register."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import PlatformRole

    started = time.perf_counter()
    counts = seed(scale)
    seeded = time.perf_counter() - started
    results = [{"name": f"dashboards: seed {k}", "value": v, "unit": "rows", "note": ""} for k, v in counts.items()]
    results.append({"name": "dashboards: seed time", "value": round(seeded, 1), "unit": "s", "note": "bulk + COPY"})
    # A live database has planner statistics (autovacuum analyses a table soon after a bulk load); without them
    # the planner guesses row counts of freshly loaded tables and the timings measure its guesses.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results.append(
        {
            "name": "dashboards: ANALYZE after seeding",
            "value": round(time.perf_counter() - started, 1),
            "unit": "s",
            "note": "as autovacuum does after a bulk load",
        }
    )
    from allocations.dashboards.services import usage_summary_refresh

    refresh = usage_summary_refresh(trigger="bench")
    results.append(
        {
            "name": "dashboards: usage summary refresh",
            "value": refresh.duration_ms,
            "unit": "ms",
            "note": f"{refresh.grants} grants",
        }
    )
    carol = User.objects.create_user(email=f"bench-carol-{uuid.uuid4().hex[:6]}@example.eu")
    for role in (PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN, PlatformRole.FINANCE_ADMIN):
        carol.groups.add(Group.objects.get_or_create(name=role)[0])
    TOTP.activate(carol, generate_totp_secret())
    staff = Client()
    staff.force_login(carol)
    anonymous = Client()
    pages = [
        ("overview", staff, "/staff/dashboards/"),
        ("funnel", staff, "/staff/dashboards/funnel/"),
        ("distribution", staff, "/staff/dashboards/distribution/"),
        ("fund", staff, "/staff/dashboards/fund/"),
        ("reviewers", staff, "/staff/dashboards/reviewers/"),
        ("overview filtered", staff, "/staff/dashboards/?gigafactory=bench-gf-1&mode=large-scale"),
        ("api overview", staff, "/api/v1/stats/overview/"),
        ("api funnel", staff, "/api/v1/stats/funnel/"),
        ("api distribution", staff, "/api/v1/stats/distribution/"),
        ("awards register", anonymous, "/awards/"),
        ("awards search", anonymous, "/awards/?q=Project+12"),
        ("api public awards", anonymous, "/api/v1/public/awards/"),
    ]
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for name, client, url in pages:
            results += _measure(name, client, url, repeat)
    return results


def _measure(name: str, client: Client, url: str, repeat: int) -> list[dict]:
    times, queries, status = _time(client, url, repeat)
    if status != 200:
        raise RuntimeError(f"{url} answered HTTP {status}")
    note = f"{queries} queries"
    return [
        {"name": f"{name} p50", "value": round(_percentile(times, 50), 1), "unit": "ms", "note": note},
        {"name": f"{name} p95", "value": round(_percentile(times, 95), 1), "unit": "ms", "note": note},
    ]
