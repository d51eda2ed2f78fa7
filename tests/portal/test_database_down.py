"""PostgreSQL unreachable for a request (the connection pointed at a closed port): 503 with Retry-After, JSON
under /api/, a plain translated page elsewhere, never a traceback; the next request after it is back succeeds
without a restart."""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@contextmanager
def database_unreachable():
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(HOST=original["HOST"], PORT=original["PORT"])


@pytest.fixture
def alice_browser(alice, settings):
    settings.DEBUG = True  # development shows a traceback for a 500: the 503 must replace it there too
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


def test_pages_answer_503_with_retry_after_and_recover_without_a_restart(alice_browser):
    with database_unreachable():
        response = alice_browser.get("/applications/")
        assert response.status_code == 503
        assert response["Retry-After"] == "10"
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "cannot reach its database" in page
        assert "Traceback" not in page and "OperationalError" not in page
        german = alice_browser.get("/applications/", headers={"accept-language": "de"})
        assert german.status_code == 503
        assert '<html lang="de">' in german.content.decode()
    assert alice_browser.get("/applications/").status_code == 200


def test_the_api_answers_503_json(alice_browser):
    with database_unreachable():
        response = alice_browser.get("/api/v1/applications/")
        assert response.status_code == 503
        assert response["Retry-After"] == "10"
        assert "cannot reach its database" in response.json()["detail"]
        response = alice_browser.post("/api/v1/applications/", {}, content_type="application/json")
        assert response.status_code == 503
    assert alice_browser.get("/api/v1/applications/").status_code == 200
