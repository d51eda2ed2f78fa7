"""`make load`: the cut-off rush against a production-like stack, with faults, on a scratch PostgreSQL and Redis.

    python scripts/load/run_load.py --users 300 --spawn-rate 2 --cutoff-in 420

1. Starts the embedded PostgreSQL and Redis under var/load (never the machine's shared ones), migrates, collects
   static files, seeds the demo gigafactories and creates the cast through the services (prepare.py).
2. Starts gunicorn (2 workers per core), a Celery worker (prefork, 2 processes) and beat, DEBUG=0.
3. Runs locust headless (locustfile.py) until a minute after the cut-off, while a timeline injects the faults:
   Redis stopped for 30 s; PostgreSQL restarted; the worker's pool processes killed with SIGKILL mid-task.
4. Waits for the outbox to drain, checks the database against what the users were told (verify.py) and writes
   var/load/report.md: per request type count, p50/p95/p99, errors; submissions per second at the cut-off; the
   fault timeline; the verification.
"""

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "load"
PORT = 8100
REDIS_PORT = 6391
PY = sys.executable
TIMELINE: list[tuple[float, str]] = []
STARTED = time.monotonic()


def note(event: str) -> None:
    TIMELINE.append((time.time(), event))
    print(f"load: {dt.datetime.now(dt.UTC):%H:%M:%S} {event}", flush=True)


def devservices(command: str, env: dict) -> str:
    return subprocess.run(
        [PY, str(ROOT / "scripts" / "devservices.py"), command], env=env, capture_output=True, text=True, check=True
    ).stdout


def stop_one(name: str, env: dict) -> None:
    code = (
        f"import sys; sys.argv=['x']; sys.path.insert(0, 'scripts'); import devservices; devservices.stop([{name!r}])"
    )
    subprocess.run([PY, "-c", code], env=env, cwd=ROOT, check=False)


def start_services() -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEVSERVICES_STARTED")}
    base.update(DEVSERVICES_DIR=str(OUT), DEV_REDIS_PORT=str(REDIS_PORT))
    exports = {}
    for line in devservices("start", base).splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        exports[key] = value.strip("'")
    app = {
        **base,
        "DATABASE_URL": exports["DATABASE_URL"],
        "REDIS_URL": exports["REDIS_URL"],
        "DEBUG": "0",
        "PORTAL_TESTING": "0",
        "SECRET_KEY": os.urandom(32).hex(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "EMAIL_URL": "consolemail://",
        "MEDIA_ROOT": str(OUT / "media"),
        "STATIC_ROOT": str(OUT.parent / "load-static"),  # kept between runs: collectstatic is then quick
        "CACHE_KEY_PREFIX": "load",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        # Every locust user signs in from 127.0.0.1: the production limit (30/m per address) would refuse them.
        "LOGIN_RATE_LIMIT": "100000/m/ip",
    }
    return app


def manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def spawn(name: str, argv: list[str], env: dict) -> subprocess.Popen:
    log = open(OUT / f"{name}.log", "a")  # noqa: SIM115 - the child keeps it open; closed when the run ends  # noqa: SIM115 - closed when the run ends
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_stack(env: dict, workers: int) -> dict[str, subprocess.Popen]:
    gunicorn = [PY, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{PORT}"]
    gunicorn += ["--workers", str(workers), "--timeout", "30", "--access-logfile", str(OUT / "access.log")]
    return {
        "web": spawn("web", gunicorn, env),
        "worker": spawn("worker", worker_argv(), env),
        "beat": spawn("beat", [PY, "-m", "celery", "-A", "portal", "beat", "-s", str(OUT / "beat-schedule")], env),
    }


def worker_argv() -> list[str]:
    return [PY, "-m", "celery", "-A", "portal", "worker", "-l", "info", "--concurrency", "2", "-n", "load@%h"]


def healthy() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def faults(env: dict, processes: dict, cutoff: float) -> None:
    """The fault timeline, relative to the cut-off (seconds): Redis off for 30 s at -270; PostgreSQL restarted at
    -180; the worker's pool processes SIGKILLed at -60, at the height of the submissions."""

    def at(offset: float) -> None:
        time.sleep(max(0.0, cutoff + offset - time.time()))

    at(-270)
    note("fault: Redis stopped (SIGTERM, as make stop)")
    stop_one("redis", env)
    time.sleep(30)
    devservices("start", {**env, "REDIS_URL": ""})  # DATABASE_URL set: only Redis starts
    note("fault over: Redis started again")
    at(-180)
    note("fault: PostgreSQL stopped (pg_ctl stop -m fast)")
    stop_one("postgres", env)
    time.sleep(5)
    pg_env = {k: v for k, v in env.items() if k != "DATABASE_URL"}
    devservices("start", {**pg_env, "REDIS_URL": env["REDIS_URL"]})
    note("fault over: PostgreSQL started again")
    at(-60)
    children = subprocess.run(
        ["pgrep", "-P", str(processes["worker"].pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    note(f"fault: SIGKILL to the worker's pool processes {', '.join(children)} (the worker starts new ones)")


def drain(env: dict, timeout: float) -> None:
    """Wait until every email in the outbox was sent (the beat relay publishes what the broker missed)."""
    code = (
        "import django, time; django.setup(); from portal.models import OutboxMessage as M; "
        "print(M.objects.filter(task='portal.send_email', consumed_at__isnull=True).count())"
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(
            [PY, "-c", code],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if out == "0":
            note("outbox drained: every confirmation email sent")
            return
        time.sleep(10)
    note(f"outbox not drained after {timeout:.0f} s")


def stats_table(prefix: Path) -> tuple[str, list[dict]]:
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").read_text().splitlines()))
    lines = [
        "| request | count | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} |"
            f" {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    failures = list(csv.DictReader(Path(f"{prefix}_failures.csv").read_text().splitlines()))
    return "\n".join(lines), failures


def submissions_per_second(acks: dict, cutoff: float) -> tuple[float, int]:
    times = sorted(s["at"] for a in acks.values() for s in a.get("submits", []) if s["status"] == 302)
    last_minute = [t for t in times if cutoff - 60 <= t < cutoff]
    peak = max((sum(1 for t in times if start <= t < start + 1) for start in times), default=0)
    return len(last_minute) / 60, peak


def report(args, cast: dict, acks: dict, verification: dict, machine: str) -> str:
    cutoff = dt.datetime.fromisoformat(cast["cutoff"]).timestamp()
    table, failures = stats_table(OUT / "locust")
    rate, peak = submissions_per_second(acks, cutoff)
    timeline = "\n".join(f"- {t - cutoff:+.0f} s: {event}" for t, event in TIMELINE)
    failure_lines = (
        "\n".join(f"- {f['Method']} {f['Name']}: {f['Error']} x {f['Occurrences']}" for f in failures) or "- none"
    )
    counts = "\n".join(f"- {k}: {v}" for k, v in verification["counts"].items())
    problems = "\n".join(f"- {p}" for p in verification["problems"]) or "- none"
    return f"""### Cut-off rush ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC})

Machine: {machine}. Users: {args.users} ({args.users - args.staff} applicants, {args.staff} staff), spawned at
{args.spawn_rate}/s; gunicorn {args.web_workers} workers, one Celery worker (prefork, 2 processes) and beat, all on
this host with the embedded PostgreSQL and Redis; DEBUG=0, PBKDF2 passwords. Other developers' jobs shared the 2
cores during the run.

{table}

Submissions: {rate:.2f}/s over the last minute before the cut-off, peak {peak} in one second.

Errors (locust failures.csv):
{failure_lines}

Fault timeline (seconds relative to the cut-off):
{timeline}

Verification against the database:
{counts}

Problems found:
{problems}
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--staff", type=int, default=6)
    parser.add_argument("--spawn-rate", type=float, default=2.0)
    parser.add_argument("--cutoff-in", type=int, default=480, help="seconds from the start of the load")
    parser.add_argument("--after", type=int, default=60, help="seconds of load after the cut-off")
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()
    if OUT.exists():
        subprocess.run(
            [PY, str(ROOT / "scripts" / "devservices.py"), "stop"],
            env={**os.environ, "DEVSERVICES_DIR": str(OUT)},
            check=False,
        )
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    env = start_services()
    processes: dict = {}
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--force", "--small", "-v", "0")
        applicants = args.users - args.staff
        subprocess.run(
            [
                PY,
                str(ROOT / "scripts" / "load" / "prepare.py"),
                str(OUT / "cast.json"),
                "--applicants",
                str(applicants),
                "--staff",
                str(args.staff),
                "--cutoff-in",
                str(args.cutoff_in),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        cast = json.loads((OUT / "cast.json").read_text())
        cutoff = dt.datetime.fromisoformat(cast["cutoff"]).timestamp()
        processes = start_stack(env, args.web_workers)
        while not healthy():
            time.sleep(1)
        note("stack healthy; load starts")
        threading.Thread(target=faults, args=(env, processes, cutoff), daemon=True).start()
        duration = int(cutoff + args.after - time.time())
        locust = [PY, "-m", "locust", "-f", str(ROOT / "scripts" / "load" / "locustfile.py"), "--headless"]
        locust += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{duration}s", "--stop-timeout", "10"]
        locust += ["--host", f"http://127.0.0.1:{PORT}", "--csv", str(OUT / "locust"), "--only-summary"]
        locust_env = {**os.environ, "LOAD_CAST": str(OUT / "cast.json"), "LOAD_ACKS": str(OUT / "acks.json")}
        with open(OUT / "locust.log", "w") as log:
            subprocess.run(locust, cwd=ROOT, env=locust_env, stdout=log, stderr=subprocess.STDOUT, check=False)
        note("load over")
        drain(env, timeout=240)
        acks = json.loads((OUT / "acks.json").read_text())
        verification = json.loads(
            subprocess.run(
                [PY, str(ROOT / "scripts" / "load" / "verify.py"), str(OUT / "cast.json"), str(OUT / "acks.json")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        load = os.getloadavg()[0]
        machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}, load average after {load:.1f}"
        text = report(args, cast, acks, verification, machine)
        (OUT / "report.md").write_text(text)
        print(text)
        return 0 if not verification["problems"] else 1
    finally:
        for process in processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        subprocess.run(
            [PY, str(ROOT / "scripts" / "devservices.py"), "stop"],
            env={**os.environ, "DEVSERVICES_DIR": str(OUT)},
            check=False,
        )


if __name__ == "__main__":
    sys.exit(main())
