import pytest
from django.core.cache import cache

pytestmark = pytest.mark.celery


def test_healthz_ok_with_database_redis_and_worker(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"] == body["redis"] == body["celery"] == "ok"
    assert body["elapsed_ms"] < 3000


def test_healthz_503_names_redis_when_its_port_is_closed(client, settings, celery_worker):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["failed"]
    assert body["redis"].startswith("error")
    assert body["database"] == "ok"
    assert body["elapsed_ms"] < 3000


def test_healthz_503_names_celery_without_a_worker(client, db):
    cache.clear()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["celery"]
