"""scripts/run.py's supervisor: a signal stops every child and what they forked; a dead child stops the rest.

The supervisor runs in a real subprocess with real child processes; nothing is simulated.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]

# A child that forks a grandchild (like runserver's reloader or a worker pool), records both pids, and sleeps.
# With "ignore-term" it ignores SIGTERM, so only the supervisor's SIGKILL escalation can end it.
FORKING_CHILD = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    if sys.argv[2] == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open(sys.argv[1] + ".tmp", "w") as handle:
        handle.write(f"{os.getpid()} {grandchild.pid}")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    print("child ready", flush=True)
    if sys.argv[2] == "exit-3":
        time.sleep(0.5)
        sys.exit(3)
    time.sleep(120)
    """
)

DRIVER = textwrap.dedent(
    """
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("run", sys.argv[1])
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    child = sys.argv[2]
    behaviours = sys.argv[4:]
    children = [
        run.Child(f"c{i}", [sys.executable, child, f"{sys.argv[3]}/c{i}.pid", b]) for i, b in enumerate(behaviours)
    ]
    sys.exit(run.Supervisor(children, stop_timeout=2).run())
    """
)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _start(tmp_path: Path, *behaviours: str) -> subprocess.Popen:
    (tmp_path / "child.py").write_text(FORKING_CHILD)
    (tmp_path / "driver.py").write_text(DRIVER)
    return subprocess.Popen(  # noqa: S603 - our own scripts
        [
            sys.executable,
            str(tmp_path / "driver.py"),
            str(ROOT / "scripts" / "run.py"),
            str(tmp_path / "child.py"),
            str(tmp_path),
            *behaviours,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _pids(tmp_path: Path, count: int) -> list[int]:
    files = [tmp_path / f"c{i}.pid" for i in range(count)]
    wait_for(lambda: all(f.exists() for f in files), timeout=20)
    return [int(pid) for f in files for pid in f.read_text().split()]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_every_child_and_grandchild_and_exits_0(tmp_path, sig):
    driver = _start(tmp_path, "sleep", "sleep", "ignore-term")
    pids = _pids(tmp_path, 3)
    assert all(_alive(pid) for pid in pids)
    started = time.monotonic()
    driver.send_signal(sig)
    output, _ = driver.communicate(timeout=30)
    assert driver.returncode == 0, output
    assert time.monotonic() - started < 10
    wait_for(lambda: not any(_alive(pid) for pid in pids), timeout=5)
    assert f"{signal.Signals(sig).name} received" in output
    assert "c2 did not stop within 2 s; killing it" in output  # SIGTERM ignored: SIGKILL escalation
    assert "c0 | child ready" in output  # children's output is prefixed with their name


def test_when_one_child_dies_the_others_are_stopped_and_the_exit_status_is_1(tmp_path):
    driver = _start(tmp_path, "sleep", "exit-3")
    pids = _pids(tmp_path, 2)
    output, _ = driver.communicate(timeout=30)
    assert driver.returncode == 1, output
    assert "c1 exited with status 3; stopping the others" in output
    wait_for(lambda: not any(_alive(pid) for pid in pids), timeout=5)


def test_run_refuses_to_start_without_database_url():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "scripts" / "run.py")], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_banner_lists_url_and_logins():
    import importlib.util

    spec = importlib.util.spec_from_file_location("run", ROOT / "scripts" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    text = run.banner("http://127.0.0.1:8000/", "all ok", [("alice@demo.gigafactory.eu", "applicant")], "pw-123")
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1  # a closed box: every line has the same width
    assert "http://127.0.0.1:8000/" in text and "alice@demo.gigafactory.eu" in text and "pw-123" in text
