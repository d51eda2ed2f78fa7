"""Home page, the privacy notice and accessibility statement, and the health endpoint."""

import datetime as dt
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app as celery_app
from portal.home import what_needs


def home(request):
    """Anonymous visitors see what the portal offers; a signed-in person sees what needs them."""
    if not request.user.is_authenticated:
        return render(request, "portal/home.html")
    return render(request, "portal/needs.html", {"home": what_needs(user=request.user)})


# Dates of the texts' last review: a change to either page moves its date (the statement must say when it was
# prepared and reviewed, Implementing Decision (EU) 2018/1523).
PRIVACY_NOTICE_UPDATED = dt.date(2026, 12, 7)
ACCESSIBILITY_STATEMENT_UPDATED = dt.date(2026, 12, 7)


@require_GET
def privacy_notice(request):
    return render(
        request,
        "portal/privacy.html",
        {"contact": settings.DATA_PROTECTION_EMAIL, "updated_on": PRIVACY_NOTICE_UPDATED},
    )


@require_GET
def accessibility_statement(request):
    return render(
        request,
        "portal/accessibility.html",
        {"contact": settings.ACCESSIBILITY_EMAIL, "updated_on": ACCESSIBILITY_STATEMENT_UPDATED},
    )


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _check_celery() -> str:
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no worker answered a ping within 1 s")
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 with every dependency "ok"; 503 naming the one that failed. Bounded to about 3 s."""
    started = time.monotonic()
    result: dict[str, str] = {}
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            result[name] = check()
        except Exception as exc:
            result[name] = f"error: {exc.__class__.__name__}: {exc}"[:200]
    if result["redis"] == "ok":
        try:
            result["celery"] = _check_celery()
        except Exception as exc:
            result["celery"] = f"error: {exc}"[:200]
    else:
        result["celery"] = "error: broker unreachable"
    failed = [name for name, value in result.items() if value != "ok"]
    body = {"status": "ok" if not failed else "error", **result, "failed": failed}
    body["elapsed_ms"] = round((time.monotonic() - started) * 1000)
    return JsonResponse(body, status=503 if failed else 200)
