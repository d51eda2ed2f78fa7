"""The transactional outbox with the broker taken away: a Redis the test starts and kills itself, and a real Celery
worker in a subprocess that writes the emails it sends to files. Nothing is mocked."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from portal import outbox
from portal.emails import queue_email
from portal.models import OutboxMessage
from tests.conftest import TEST_QUEUE, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_worker(directory: Path, redis_url: str) -> subprocess.Popen:
    """A worker of the portal's app on ``redis_url``; emails go to files under ``directory/mail``."""
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": "filemail:///mail",  # relative to the worker's working directory
        "PORTAL_TESTING": "1",
        "PYTHONPATH": str(ROOT),
    }
    log = open(directory / "worker.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - our own celery executable and arguments
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "portal.celery",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            TEST_QUEUE,
        ],
        cwd=directory,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _emails_sent(directory: Path) -> list[str]:
    mail = directory / "mail"
    if not mail.exists():
        return []
    return [path.read_text() for path in sorted(mail.iterdir())]


@pytest.fixture(autouse=True)
def _broker_state():
    outbox._broker_down_until = 0.0
    yield
    outbox._broker_down_until = 0.0
    connections.close_all()


def test_an_email_written_while_the_broker_is_down_is_delivered_once_after_it_returns(broker_on_own_redis, tmp_path):
    redis_server = broker_on_own_redis
    redis_server.stop()

    started = time.monotonic()
    with transaction.atomic():
        queue_email(to=["alice@aurora-ai.eu"], subject="Submitted", body="GAP-2026-000001")
    assert time.monotonic() - started < 3, "the commit waited for the broker"
    message = OutboxMessage.objects.get()
    assert message.relayed_at is None and message.relay_attempts == 1 and message.last_error

    redis_server.start()
    worker = _start_worker(tmp_path, redis_server.url)
    try:
        assert outbox.relay(older_than=outbox.RELAY_AGE) == 0  # younger than a minute: the commit's relay may still
        later = timezone.now() + dt.timedelta(minutes=2)
        assert outbox.relay(older_than=outbox.RELAY_AGE, now=later) == 1  # what the beat task does
        wait_for(lambda: _emails_sent(tmp_path), timeout=60)
        wait_for(lambda: OutboxMessage.objects.get().consumed_at is not None, timeout=30)
        assert outbox.relay(older_than=outbox.RELAY_AGE, now=later) == 0  # relayed once, not again
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    (sent,) = _emails_sent(tmp_path)
    assert "Subject: Submitted" in sent and "alice@aurora-ai.eu" in sent


def test_a_message_relayed_twice_sends_one_email(broker_on_own_redis, tmp_path):
    """A relay that published and died before recording it (or a worker killed before its acknowledgement)
    delivers the same key again: the consuming task finds the key consumed and sends nothing."""
    redis_server = broker_on_own_redis
    worker = _start_worker(tmp_path, redis_server.url)
    try:
        with transaction.atomic():
            queue_email(to=["alice@aurora-ai.eu"], subject="Offer", body="Your offer")
        message = OutboxMessage.objects.get()
        assert message.relayed_at is not None  # relayed on commit
        wait_for(lambda: OutboxMessage.objects.get().consumed_at is not None, timeout=60)

        OutboxMessage.objects.update(relayed_at=None)  # as if the relay had not recorded its publish
        assert outbox.relay(keys=[message.key]) == 1
        wait_for(lambda: "already consumed" in (tmp_path / "worker.log").read_text(), timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert len(_emails_sent(tmp_path)) == 1
    assert (tmp_path / "worker.log").read_text().count(f"portal.send_email[{message.key}] received") == 2


def test_a_rolled_back_transaction_leaves_no_message(broker_on_own_redis):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to=["alice@aurora-ai.eu"], subject="Hello", body="Body")
        raise RuntimeError("roll back")
    assert not OutboxMessage.objects.exists()


def test_after_a_failed_publish_relays_on_commit_skip_the_broker_for_a_while(broker_on_own_redis):
    broker_on_own_redis.stop()
    with transaction.atomic():
        queue_email(to=["a@example.eu"], subject="One", body="1")
    started = time.monotonic()
    with transaction.atomic():
        queue_email(to=["b@example.eu"], subject="Two", body="2")
    assert time.monotonic() - started < 0.5
    assert sorted(OutboxMessage.objects.values_list("relay_attempts", flat=True)) == [0, 1]
    assert not OutboxMessage.objects.filter(relayed_at__isnull=False).exists()
