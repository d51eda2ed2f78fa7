"""scripts/bench.py runs app benchmarks in a scratch database, never in the development data."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

BENCH_MODULE = textwrap.dedent(
    """
    from django.db import connection
    from accounts.models import User

    def run():
        before = User.objects.count()
        User.objects.create(email="bench@example.eu")
        return [
            {"name": "users before", "value": before, "unit": "rows", "note": connection.settings_dict["NAME"]},
            {"name": "throughput", "value": 1234567, "unit": "rows/s", "note": "a | pipe"},
        ]
    """
)
FAILING_MODULE = "def run():\n    raise RuntimeError('broken benchmark')\n"


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "sample_bench.py").write_text(BENCH_MODULE)
    (tmp_path / "failing_bench.py").write_text(FAILING_MODULE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "scripts" / "bench.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


def _databases() -> set[str]:
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture
def bench_db_name() -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[1] + "_bench"


def test_benchmarks_run_in_an_empty_scratch_database_that_is_dropped(tmp_path, bench_db_name):
    report = tmp_path / "benchmarks.md"
    result = _bench(tmp_path, "--module", "sample_bench", "--markdown", str(report))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"scratch database: {bench_db_name}" in out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("sample_bench ")}
    assert lines["users"].split()[3] == "0"  # the scratch database has no users, whatever the dev data holds
    assert "1,234,567" in out and "cores" in out and "PostgreSQL" in out
    assert bench_db_name not in _databases()
    section = report.read_text()
    assert section.startswith("\n## ")
    assert "| sample_bench | throughput | 1,234,567 | rows/s | a \\| pipe |" in section


def test_a_failing_benchmark_is_reported_and_the_exit_status_is_1(tmp_path, bench_db_name):
    result = _bench(tmp_path, "--module", "failing_bench", "--module", "sample_bench")
    assert result.returncode == 1
    assert "failing_bench failed: RuntimeError: broken benchmark" in result.stderr
    assert "throughput" in result.stdout  # the other benchmark still ran
    assert bench_db_name not in _databases()


def test_without_benchmark_modules_it_says_so(tmp_path):
    result = _bench(tmp_path, "--module", "no_such_app.bench")
    assert result.returncode == 0, result.stderr
    assert "No benchmarks yet" in result.stdout
