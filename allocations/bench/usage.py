"""Usage import benchmark, called by ``scripts/bench.py`` (``make bench``) in its scratch database.

Generates 1,000,000 ``sacct --parsable2`` allocation lines in memory (100 grants, 1 to 8 GPUs, up to 10 hours each)
and measures (1) the full import of that file as the Celery task runs it: streaming parse, COPY into staging, the
set-based merge into the usage table and the daily summary, ledger usage transfers and alerts; (2) a raw
PostgreSQL ``COPY`` of the same bytes into an unindexed table of text columns; and their ratio. A re-import of
the same file (every record unchanged) is measured too. ``USAGE_BENCH_ROWS`` overrides the row count.

The grants are made through the capacity services with the test factories (a development dependency, like this
benchmark).
"""

import datetime as dt
import os
import time

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from accounts.roles import PlatformRole
from allocations.capacity import services as capacity_services
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.usage import Cluster, ImportFormat, ImportSource, UsageImport
from allocations.usage.services import usage_import_process

ROWS = int(os.environ.get("USAGE_BENCH_ROWS", "1000000"))
GRANTS = 100


def _grants() -> tuple[Cluster, list[Grant]]:
    from tests.factories import CallFactory, GigafactoryFactory, UserFactory, approved_application
    from tests.factories.capacity import open_pool, period_with_pools

    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for role in PlatformRole.values:
        Group.objects.get_or_create(name=role)
    tag = time.time_ns()
    admin = UserFactory(email=f"usage-bench-{tag}@example.org", roles=[PlatformRole.ALLOCATION_ADMIN])
    gigafactory = GigafactoryFactory(name=f"Usage bench {tag}", slug=f"usage-bench-{tag}", accelerator_count=10_000)
    period = period_with_pools(by=admin, gigafactory=gigafactory, year=year, quarter=quarter, accelerators=10_000)
    call = CallFactory(gigafactories=[gigafactory])
    applications = [
        approved_application(call=call, requested=60_000, minimum=60_000, rank=i + 1, gigafactory=gigafactory)
        for i in range(GRANTS)
    ]
    run = capacity_services.run_create(pool=open_pool(period), policy="rank_greedy", by=admin)
    capacity_services.run_execute(run_id=run.pk)
    capacity_services.run_commit(run_id=run.pk, by=admin)
    grants = list(Grant.objects.filter(application__in=applications).order_by("pk"))
    Grant.objects.filter(pk__in=[g.pk for g in grants]).update(status=GrantStatus.ACTIVE)
    cluster = Cluster.objects.create(name=f"bench{tag}", gigafactory=gigafactory)
    return cluster, grants


def sacct_bytes(rows: int, grants: list[Grant]) -> bytes:
    """``rows`` allocation lines spread over the grants and the first 60 days of their period."""
    start_day = grants[0].starts_on
    days = max(min((grants[0].ends_on - start_day).days, 60), 1)
    base = dt.datetime.combine(start_day, dt.time())
    accounts = [g.slurm_account for g in grants]
    lines = []
    for i in range(rows):
        gpus = 1 + i % 8
        elapsed = 600 + (i * 7919) % 35_400
        start = base + dt.timedelta(seconds=(i * 104_729) % (days * 86_400 - 36_000))
        end = start + dt.timedelta(seconds=elapsed)
        h, rest = divmod(elapsed, 3600)
        lines.append(
            f"{1_000_000 + i}|{1_000_000 + i}|user{i % 500}|{accounts[i % len(accounts)]}|booster|"
            f"{start.isoformat()}|{end.isoformat()}|{h:02d}:{rest // 60:02d}:{rest % 60:02d}|"
            f"billing={gpus * 16},cpu={gpus * 16},gres/gpu={gpus},mem=512G,node=1|COMPLETED\n"
        )
    return "".join(lines).encode()


def _import(cluster: Cluster, data: bytes) -> tuple[float, UsageImport]:
    usage_import = UsageImport(cluster=cluster, source=ImportSource.UPLOAD, format=ImportFormat.SACCT)
    usage_import.file.save("bench-sacct.txt", ContentFile(data), save=True)
    started = time.perf_counter()
    usage_import_process(import_id=usage_import.pk)
    elapsed = time.perf_counter() - started
    usage_import.refresh_from_db()
    usage_import.file.delete(save=False)
    return elapsed, usage_import


def _raw_copy(data: bytes) -> float:
    connection.ensure_connection()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("DROP TABLE IF EXISTS usage_bench_raw")
        cursor.execute(
            "CREATE TABLE usage_bench_raw (job_id text, job_id_raw text, user_name text, account text, "
            "partition text, start_at text, end_at text, elapsed text, alloc_tres text, state text)"
        )
        started = time.perf_counter()
        with cursor.copy("COPY usage_bench_raw FROM STDIN (FORMAT text, DELIMITER '|')") as copy:
            view = memoryview(data)
            for offset in range(0, len(data), 1 << 20):
                copy.write(view[offset : offset + (1 << 20)])
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE usage_bench_raw")
    return elapsed


def run() -> list[dict]:
    cluster, grants = _grants()
    data = sacct_bytes(ROWS, grants)
    raw = _raw_copy(data)
    first, report = _import(cluster, data)
    if report.status != "succeeded" or report.rows_accepted != ROWS:
        raise RuntimeError(f"import {report.pk} {report.status}: {report.rows_accepted} of {ROWS} ({report.error})")
    again, second = _import(cluster, data)
    if second.rows_unchanged != ROWS:
        raise RuntimeError(f"re-import changed {ROWS - second.rows_unchanged} records")
    rows = f"{ROWS:,} sacct rows ({len(data) / 1e6:.0f} MB), {GRANTS} grants"
    return [
        {
            "name": "usage import (parse, COPY, merge, ledger)",
            "value": round(first, 2),
            "unit": "s",
            "note": f"{rows}; goal under 30 s",
        },
        {
            "name": "raw COPY of the same rows",
            "value": round(raw, 2),
            "unit": "s",
            "note": "into an unindexed table of text columns",
        },
        {"name": "import / raw COPY", "value": round(first / raw, 1), "unit": "x", "note": "goal within 3x"},
        {
            "name": "re-import of the same file",
            "value": round(again, 2),
            "unit": "s",
            "note": "every record unchanged: no writes",
        },
        {"name": "import throughput", "value": round(ROWS / first), "unit": "rows/s", "note": rows},
    ]
