"""With Redis gone (a server the test started and killed itself), submitting answers at once with success, pages
and sign-in keep working with the cache degraded to misses, and the confirmation email waits in the outbox."""

import time

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from allocations.models import Application, Status
from portal import outbox
from portal.cache import ResilientRedisCacheClient
from portal.models import OutboxMessage
from tests.factories import PASSWORD, ApplicationFactory, CallFactory, fill_application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_gone(broker_on_own_redis, settings, tmp_path):
    """Broker and cache both on the test's own Redis, which is then killed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": broker_on_own_redis.url, "KEY_PREFIX": "down"}
    }
    broker_on_own_redis.stop()
    outbox._broker_down_until = 0.0
    ResilientRedisCacheClient.down_until = 0.0
    yield
    outbox._broker_down_until = 0.0
    ResilientRedisCacheClient.down_until = 0.0
    connections.close_all()


def test_submit_answers_quickly_and_the_email_waits_in_the_outbox(redis_gone, alice, alice_org):
    application = fill_application(ApplicationFactory(call=CallFactory(), organisation=alice_org, created_by=alice))
    api = APIClient()
    api.force_authenticate(alice)
    started = time.monotonic()
    response = api.post(f"/api/v1/applications/{application.pk}/submit/", {"declaration": True}, format="json")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert elapsed < 3, f"submit took {elapsed:.1f} s with the broker down"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    (message,) = OutboxMessage.objects.filter(task="portal.send_email")
    assert message.relayed_at is None
    assert application.reference in message.kwargs["subject"]
    assert message.kwargs["to"] == ["alice@aurora-ai.eu"]


def test_sign_in_and_pages_work_with_the_cache_down(redis_gone, client, alice):
    assert cache.get("anything", "default") == "default"
    assert cache.add("lock", 1) is True  # allauth's rate-limit lock must not spin
    response = client.post("/accounts/login/", {"login": alice.email, "password": "wrong password"})
    assert response.status_code == 200
    assert b"not correct" in response.content or b"incorrect" in response.content.lower()
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/applications/").status_code == 200
    assert Application.objects.count() == 0


def test_run_commit_answers_quickly_and_the_offer_emails_wait_in_the_outbox(redis_gone, carol):
    """The allocation commit with the broker down: grants and ledger transfers are committed, the answer is a quick
    200, and the offer emails' task waits in the outbox for the relay (nothing is lost, nothing half-written)."""
    from allocations.capacity import services
    from allocations.models.capacity import AllocationRun, Grant
    from tests.conftest import activate_totp, login_staff
    from tests.factories import (
        CallFactory,
        GigafactoryFactory,
        approved_application,
        ensure_platform_groups,
        open_pool,
        period_with_pools,
    )

    ensure_platform_groups()
    carol = activate_totp(carol)
    gigafactory = GigafactoryFactory(slug="jupiter", accelerator_count=1000)
    call = CallFactory(gigafactories=[gigafactory])
    pool = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40))
    for rank, (requested, minimum) in enumerate(((50_000, 30_000), (5_000, 5_000)), start=1):
        approved_application(call=call, requested=requested, minimum=minimum, rank=rank)
    run = AllocationRun.objects.create(pool=pool, policy="rank_greedy", created_by=carol)
    services.run_execute(run_id=run.pk)
    client = login_staff(Client(), carol)
    started = time.monotonic()
    response = client.post(f"/api/v1/allocation-runs/{run.pk}/commit/", {}, content_type="application/json")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.content
    assert elapsed < 3, f"commit took {elapsed:.1f} s with the broker down"
    run.refresh_from_db()
    assert run.status == "committed"
    assert Grant.objects.filter(pool=pool).count() == 2
    waiting = OutboxMessage.objects.filter(relayed_at__isnull=True).values_list("task", flat=True)
    assert "allocations.capacity.send_offer_emails" in set(waiting)
