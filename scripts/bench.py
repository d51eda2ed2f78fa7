"""`make bench`: run the apps' benchmarks on a scratch database and print the numbers with the machine.

Each of ``ledger.bench``, ``allocations.bench.capacity`` and ``reviews.bench`` that exists and defines ``run()`` is
called; ``run()`` returns a list of dicts ``{"name", "value", "unit", "note"}``. The benchmarks never touch
the demo or development data: they run in a database ``<dbname>_bench`` that this script creates and
migrates on the server of DATABASE_URL and drops at the end. Tasks they queue go to a ``bench`` Celery queue
that a development worker does not consume, and cache keys get their own prefix.

    python scripts/bench.py               # print a table
    python scripts/bench.py --markdown    # ... and append a dated section to docs/benchmarks.md
"""

import argparse
import datetime
import importlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_MODULES = (
    "ledger.bench",
    "allocations.bench.capacity",
    "allocations.bench.usage",
    "allocations.bench.dashboards",
    "allocations.bench.provisioning",
    "reviews.bench",
    "site_agent.bench",
)
RESULT_KEYS = ("name", "value", "unit", "note")
MARKDOWN_FILE = ROOT / "docs" / "benchmarks.md"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["CACHE_KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "gap") + "-bench"
    import django
    from django.conf import settings

    django.setup()
    settings.CELERY_TASK_DEFAULT_QUEUE = "bench"


def discover(names=BENCH_MODULES) -> list[tuple[str, object]]:
    """``(module name, run)`` for each benchmark module that exists and defines ``run``."""
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        run = getattr(module, "run", None)
        if callable(run):
            found.append((name, run))
    return found


# --- the machine ---------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False)
    commit = result.stdout.strip() or "unknown"
    return commit + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def machine(pg_version: str | None) -> dict[str, str]:
    ram = ram_gib()
    return {
        "date": datetime.datetime.now(datetime.UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "ram": f"{ram:.1f} GiB" if ram else "?",
        "postgresql": pg_version or "?",
        "python": platform.python_version(),
        "commit": git_commit(),
    }


def describe(info: dict[str, str]) -> str:
    return (
        f"{info['date']}  {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}, commit {info['commit']}"
    )


# --- running and reporting -----------------------------------------------------------------------------------


def scratch_database():
    """Create and migrate ``<dbname>_bench`` (replacing a left-over one); returns a function that drops it."""
    from django.db import connection

    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    return lambda: connection.creation.destroy_test_db(original, verbosity=0)


def check_results(module: str, results) -> list[dict]:
    if not isinstance(results, list):
        raise TypeError(f"{module}.run() must return a list of dicts, not {type(results).__name__}")
    for row in results:
        missing = [key for key in RESULT_KEYS if key not in row]
        if missing:
            raise TypeError(f"{module}.run() returned a row without {', '.join(missing)}: {row!r}")
    return results


def fmt_value(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


def table(rows: list[dict]) -> str:
    """An aligned plain-text table; values right-aligned."""
    header = ("app", "benchmark", "value", "unit", "note")
    cells = [(r["app"], r["name"], fmt_value(r["value"]), str(r["unit"]), str(r["note"])) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]

    def line(values) -> str:
        parts = [v.rjust(w) if i == 2 else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(c) for c in cells)])


def markdown_section(info: dict[str, str], rows: list[dict]) -> str:
    def cell(value) -> str:
        return str(value).replace("|", "\\|")

    lines = [
        f"## {info['date']}",
        "",
        f"{info['cpu']}, {info['cores']} cores, {info['ram']} RAM; PostgreSQL {info['postgresql']}; "
        f"Python {info['python']}; commit {info['commit']}.",
        "",
        "| app | benchmark | value | unit | note |",
        "|---|---|---:|---|---|",
        *(
            f"| {r['app']} | {cell(r['name'])} | {fmt_value(r['value'])} | {cell(r['unit'])} | {cell(r['note'])} |"
            for r in rows
        ),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--markdown",
        nargs="?",
        const=MARKDOWN_FILE,
        type=Path,
        metavar="FILE",
        help=f"append the results as a dated section to FILE (default {MARKDOWN_FILE.relative_to(ROOT)})",
    )
    parser.add_argument("--module", action="append", help="benchmark module to run (default: every app's)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("bench: DATABASE_URL is not set. Use `make bench`, which starts PostgreSQL for you.")
    setup_django()

    names = tuple(args.module) if args.module else BENCH_MODULES
    benchmarks = discover(names)
    if not benchmarks:
        print(describe(machine(postgres_version())))
        print(f"No benchmarks yet: none of {', '.join(names)} exists with a run() function.")
        return 0

    drop = scratch_database()
    rows: list[dict] = []
    failed: list[str] = []
    try:
        info = machine(postgres_version())
        print(describe(info))
        from django.db import connection

        print(f"scratch database: {connection.settings_dict['NAME']}", flush=True)
        for name, run in benchmarks:
            started = time.monotonic()
            print(f"running {name} ...", flush=True)
            try:
                results = check_results(name, run())
            except Exception as exc:  # report, then run the others
                failed.append(name)
                print(f"  {name} failed: {exc.__class__.__name__}: {exc}", file=sys.stderr)
                continue
            rows += [{**r, "app": name.split(".")[0]} for r in results]
            print(f"  {len(results)} results in {time.monotonic() - started:.1f} s", flush=True)
    finally:
        drop()

    print()
    print(table(rows) if rows else "(no results)")
    if args.markdown and rows:
        with args.markdown.open("a", encoding="utf-8") as handle:
            handle.write("\n" + markdown_section(info, rows))
        print(f"\nappended to {args.markdown}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
