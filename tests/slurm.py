"""The single-node Slurm of ``scripts/slurm_testbed.sh`` as the tests marked ``slurm`` see it.

``testbed_missing()`` says why those tests cannot run (``None`` when they can); the conftest turns that into a
visible skip. The helpers run the cluster's own commands and poll ``sacct``; nothing waits a fixed time.
"""

import os
import pwd
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "slurm_testbed.sh"


def testbed_missing() -> str | None:
    """Why the testbed cannot be used, or ``None``; sets ``SLURM_CONF`` for the client commands when it can."""
    if os.geteuid() != 0:
        return "the Slurm testbed tests run as root (they create Linux users who submit jobs)"
    try:
        status = subprocess.run([str(SCRIPT), "status"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"Slurm testbed not usable ({error}); start it with scripts/slurm_testbed.sh start"
    if status.returncode != 0:
        return "Slurm testbed not running; start it with scripts/slurm_testbed.sh start"
    env = subprocess.run([str(SCRIPT), "env"], capture_output=True, text=True, check=True).stdout.strip()
    os.environ["SLURM_CONF"] = env.partition("=")[2]
    return None


def run(*argv: str, user: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run a Slurm client command (as ``user`` when given, from a directory every user may write)."""
    command = ["runuser", "-u", user, "--", *argv] if user else list(argv)
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=check, cwd="/tmp")


def linux_user(name: str) -> str:
    """A Linux user without a home or a shell, created when missing (a submitter must exist on the node)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", name], check=True)
    return name


def sacct_job(job_id: str) -> dict[str, str]:
    """The allocation line of one job from ``sacct`` (empty when accounting does not have it yet)."""
    fields = ("JobID", "Account", "User", "State", "Start", "End", "Elapsed", "AllocTRES", "Reason")
    out = run("sacct", "-j", job_id, "-X", "-n", "-P", "--noconvert", "--format=" + ",".join(fields[:-1])).stdout
    lines = [line for line in out.splitlines() if line.strip()]
    return dict(zip(fields, lines[0].split("|"), strict=False)) if lines else {}


def squeue_reason(job_id: str) -> str:
    return run("squeue", "-h", "-j", job_id, "-o", "%T %r", check=False).stdout.strip()


def poll(condition, timeout: float = 60.0, interval: float = 0.2):
    """Poll until ``condition()`` is truthy; fail after ``timeout`` seconds with the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
