"""`make run`: prepare the database, then run the web server, a Celery worker and Celery beat together.

Needs DATABASE_URL and REDIS_URL (`make run` starts the embedded services under ./var when they are unset).
Steps: `migrate`, `compilemessages` (when a catalogue changed), `collectstatic` (only with DEBUG off),
`seed_demo` (only with DEBUG on), then three children, each in its own process group so that stopping one
also stops what it forked (runserver's autoreloader, the worker's pool processes):

    web     manage.py runserver 127.0.0.1:$PORT (default 8000), or gunicorn with WEB_SERVER=gunicorn (`make serve`)
    worker  celery -A portal worker -l info --concurrency 2
    beat    celery -A portal beat -s var/celerybeat-schedule

Ctrl-C (SIGINT) or SIGTERM stops all of them and exits 0. If one child dies, the others are stopped and the
exit status is 1. Services that `make run` itself started (named in DEVSERVICES_STARTED) are stopped at the
end; their data stays under ./var for the next run.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
HOST = "127.0.0.1"
STOP_TIMEOUT = 15.0  # seconds a child gets for a clean shutdown (the worker finishes its task) before SIGKILL
READY_TIMEOUT = 90.0
COLOURS = {"web": "\033[36m", "worker": "\033[35m", "beat": "\033[33m"}
RESET = "\033[0m"


def say(message: str) -> None:
    print(f"run: {message}", flush=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = field(default=None, repr=False)
    reader: threading.Thread | None = field(default=None, repr=False)


class Supervisor:
    """Starts children in their own process groups, prefixes their output, and stops them all together."""

    def __init__(self, children: list[Child], *, env: dict | None = None, stop_timeout: float = STOP_TIMEOUT):
        self.children = children
        self.env = env
        self.stop_timeout = stop_timeout
        self.signalled: int | None = None
        self._lock = threading.Lock()
        self._colour = sys.stdout.isatty()
        self._width = max(len(child.name) for child in children)

    # --- output ------------------------------------------------------------------------------------------
    def _pump(self, child: Child) -> None:
        label = f"{child.name:>{self._width}} |"
        if self._colour:
            label = f"{COLOURS.get(child.name, '')}{label}{RESET}"
        assert child.process is not None and child.process.stdout is not None
        for line in child.process.stdout:
            with self._lock:
                sys.stdout.write(f"{label} {line}")
                sys.stdout.flush()

    # --- life cycle --------------------------------------------------------------------------------------
    def start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(
                child.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                bufsize=1,
                start_new_session=True,  # own process group: the terminal's Ctrl-C reaches only us
            )
            child.reader = threading.Thread(target=self._pump, args=(child,), daemon=True)
            child.reader.start()
            say(f"started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}")

    def exited(self) -> Child | None:
        """The first child that has exited, if any."""
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def _signal_groups(self, sig: int) -> None:
        for child in self.children:
            if child.process is None:
                continue
            # Also when the leader has exited: processes it forked may still be in its group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, sig)

    def stop(self) -> None:
        """SIGTERM every process group, wait up to ``stop_timeout``, then SIGKILL what is left."""
        self._signal_groups(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{child.name} did not stop within {self.stop_timeout:.0f} s; killing it")
        while time.monotonic() < deadline and any(_group_alive(c.process.pid) for c in self.children if c.process):
            time.sleep(0.1)
        self._signal_groups(signal.SIGKILL)
        for child in self.children:
            if child.process is not None:
                child.process.wait()
            if child.reader is not None:
                child.reader.join(timeout=2)

    def _on_signal(self, signum, frame) -> None:
        if self.signalled is not None:  # a second Ctrl-C: no more patience
            self._signal_groups(signal.SIGKILL)
        self.signalled = signum

    def run(self, *, on_tick=None) -> int:
        """Start the children and wait. Returns 0 after SIGINT/SIGTERM, 1 when a child died on its own."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            while True:
                if self.signalled is not None:
                    say(f"{signal.Signals(self.signalled).name} received; stopping {self._names()}")
                    self.stop()
                    say("stopped")
                    return 0
                dead = self.exited()
                if dead is not None:
                    say(f"{dead.name} {_describe_exit(dead.process.returncode)}; stopping the others")
                    self.stop()
                    return 1
                if on_tick is not None:
                    on_tick()
                time.sleep(0.2)
        finally:
            if any(c.process is not None and c.process.poll() is None for c in self.children):
                self.stop()  # an unexpected error in this loop must not leave children behind
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _names(self) -> str:
        return ", ".join(child.name for child in self.children)


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- `make run` ------------------------------------------------------------------------------------------


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on", "y", "t"}


def _manage(*args: str) -> None:
    say("manage.py " + " ".join(args))
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"run: manage.py {args[0]} failed with status {result.returncode}")


def _compile_messages() -> None:
    """Compile the translation catalogues (locale/*/LC_MESSAGES/django.po) that have no up-to-date .mo file."""
    stale = [
        po
        for po in (ROOT / "locale").glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return
    if shutil.which("msgfmt") is None:
        say("GNU gettext (msgfmt) is not installed: pages stay in English (Debian: apt-get install gettext).")
        return
    _manage("compilemessages", "-v", "0", "--ignore", ".venv", "--ignore", "node_modules")


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local URL
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (OSError, ValueError):
        return 0, {}


def banner(url: str, health: str, logins: list[tuple[str, str]], password: str | None) -> str:
    lines = [
        "Gigafactory Access Portal is running",
        "",
        f"  {url}",
        f"  API docs: {url}api/docs/    health: {url}healthz ({health})",
    ]
    if logins:
        width = max(len(email) for email, _ in logins)
        lines += ["", f"Demo logins (password for all: {password})"]
        lines += [f"  {email:<{width}}  {what}" for email, what in logins]
        lines += ["  Staff roles set up an authenticator app (TOTP) on their first staff page."]
    lines += ["", "Press Ctrl-C to stop the web server, the worker and beat."]
    inner = max(len(line) for line in lines)
    top = "┌" + "─" * (inner + 2) + "┐"
    bottom = "└" + "─" * (inner + 2) + "┘"
    return "\n".join([top, *(f"│ {line:<{inner}} │" for line in lines), bottom])


def _demo_logins() -> tuple[list[tuple[str, str]], str | None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from accounts.demo import CAST, DEMO_PASSWORD

    return [(user.email, user.description) for user in CAST], DEMO_PASSWORD


def _web_command(python: str, port: int) -> list[str]:
    """runserver, or with WEB_SERVER=gunicorn (`make serve`) gunicorn as in docs/deployment.md: WEB_CONCURRENCY
    workers, by default two per CPU core."""
    if os.environ.get("WEB_SERVER") != "gunicorn":
        return [python, "manage.py", "runserver", f"{HOST}:{port}"]
    workers = os.environ.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1))
    return [
        *(python, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{port}"),
        *("--workers", workers, "--timeout", "30", "--max-requests", "2000", "--max-requests-jitter", "200"),
        *("--access-logfile", os.environ.get("ACCESS_LOG", "-")),
    ]


def stop_started_services() -> None:
    if os.environ.get("DEVSERVICES_STARTED", "").strip():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "devservices.py"), "stop-started"], check=False)


def main() -> int:
    """Stops the services `make run` started also when preparing fails or is interrupted."""
    try:
        return serve()
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        stop_started_services()


def serve() -> int:
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"run: {name} is not set. Use `make run`, which starts PostgreSQL and Redis for you.")
    debug = _env_bool("DEBUG")
    port = int(os.environ.get("PORT", "8000"))
    if _port_in_use(port):
        raise SystemExit(f"run: port {port} on {HOST} is already in use. Stop that server or set PORT=8001.")
    VAR.mkdir(exist_ok=True)

    _manage("migrate", "--noinput")
    _compile_messages()
    if not debug:
        _manage("collectstatic", "--noinput", "-v", "0")  # WhiteNoise serves STATIC_ROOT when DEBUG is off
        say("DEBUG is off: demo data not seeded (`manage.py seed_demo --force` adds it).")
        say("To browse over plain HTTP set SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and SECURE_SSL_REDIRECT=0.")
        logins, password = [], None
    else:
        _manage("seed_demo")
        logins, password = _demo_logins()

    python = sys.executable
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    supervisor = Supervisor(
        [
            Child("web", _web_command(python, port)),
            Child("worker", [python, "-m", "celery", "-A", "portal", "worker", "-l", "info", "--concurrency", "2"]),
            Child("beat", [python, "-m", "celery", "-A", "portal", "beat", "-s", str(VAR / "celerybeat-schedule")]),
        ],
        env=env,
    )
    url = f"http://{HOST}:{port}/"
    started = time.monotonic()
    announced = False
    next_poll = started + 1.0

    def announce_when_ready() -> None:
        nonlocal announced, next_poll
        if announced or time.monotonic() < next_poll:
            return
        next_poll = time.monotonic() + 1.0
        status, body = _health(url + "healthz")
        waited = time.monotonic() - started
        if status == 200 or (status and waited > READY_TIMEOUT):
            health = "all ok" if status == 200 else f"{status}: failed {', '.join(body.get('failed', []))}"
            print(banner(url, health, logins, password), flush=True)
            announced = True

    return supervisor.run(on_tick=announce_when_ready)


if __name__ == "__main__":
    sys.exit(main())
