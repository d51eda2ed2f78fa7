"""Shared fixtures: the named cast (alice, bob, carol, dora), a real Celery worker and a Chromium browser."""

import os
import re
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django.db.models import Max

from accounts.models import MembershipRole
from accounts.roles import PlatformRole
from portal.celery import app as celery_app
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

# The suite's tasks go to a queue of its own, named per run, and its workers consume only that queue: another worker
# on the same Redis database (a developer's `make run`, a parallel run) never takes the suite's tasks.
TEST_QUEUE = f"tests-{uuid.uuid4().hex[:12]}"
celery_app.conf.task_default_queue = TEST_QUEUE

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the same thread are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def wait_for(condition: Callable[[], object], timeout: float = 15.0, interval: float = 0.05):
    """Poll until ``condition()`` is truthy; fail the test with a clear message after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slurm`` need the testbed: without it they are skipped, with the reason in the summary."""
    marked = [item for item in items if item.get_closest_marker("slurm")]
    if not marked:
        return
    from tests.slurm import testbed_missing

    reason = testbed_missing()
    if reason:
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and cached values live in Redis; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_first():
    """Every test starts in the default language: a request's language (the switcher, a user's stored language)
    stays active in the thread after the request, and would otherwise leak into the next test's services."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def alice(db):
    """Applicant: owner of the start-up Aurora AI in Estonia."""
    user = UserFactory(email="alice@aurora-ai.eu", full_name="Alice Applicant")
    organisation = OrganisationFactory(legal_name="Aurora AI OÜ", short_name="Aurora", country="EE", type="startup")
    MembershipFactory(organisation=organisation, user=user, role=MembershipRole.OWNER)
    return user


@pytest.fixture
def alice_org(alice):
    return alice.organisations.get()


@pytest.fixture
def bob(db):
    """Reviewer from a university in Portugal."""
    return UserFactory(email="bob@uni-lisboa.pt", full_name="Bob Reviewer", roles=[PlatformRole.REVIEWER])


@pytest.fixture
def carol(db):
    """Call manager and allocation admin."""
    return UserFactory(
        email="carol@eurohpc.eu",
        full_name="Carol Manager",
        roles=[PlatformRole.CALL_MANAGER, PlatformRole.ALLOCATION_ADMIN],
    )


@pytest.fixture
def dora(db):
    """Finance admin."""
    return UserFactory(email="dora@eurohpc.eu", full_name="Dora Finance", roles=[PlatformRole.FINANCE_ADMIN])


def activate_totp(user):
    """Give ``user`` a real TOTP authenticator, created as allauth's activation creates it; the secret is kept on
    ``user.totp_secret`` for tests that log in with a code. Staff pages need it (see accounts.middleware)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()  # one TOTP per user
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def mark_session_mfa_passed(client, user) -> None:
    """Record in the client's session, as allauth's login does, that it signed in with password and then TOTP."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "id": authenticator.pk if authenticator else None, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def login_staff(client, user):
    """Log ``client`` in as ``user`` in a session that passed TOTP, so staff roles work (pages, htmx, API).

    Gives ``user`` a TOTP authenticator first when it has none (see :func:`activate_totp`). Plain
    ``client.force_login`` now gives a password-only session: staff roles are withheld in it.
    """
    from allauth.mfa.models import Authenticator

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        activate_totp(user)
    client.force_login(user)
    mark_session_mfa_passed(client, user)
    return client


def staff_api_client(user, *, mfa_passed: bool = True):
    """A DRF APIClient authenticated as ``user``; with ``mfa_passed=False`` it acts like a session or token that
    skipped TOTP (staff roles withheld)."""
    from rest_framework.test import APIClient

    user.mfa_passed = mfa_passed
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def carol_client(client, carol):
    """A test client logged in as carol in a session that passed TOTP (see :func:`login_staff`)."""
    return login_staff(client, carol)


@pytest.fixture
def carol_api(carol):
    return staff_api_client(carol)


@pytest.fixture
def mallory(db):
    """A user of another organisation, who must see nothing of alice's."""
    user = UserFactory(email="mallory@other.example", full_name="Mallory Other")
    MembershipFactory(user=user, organisation=OrganisationFactory(country="FR"), role=MembershipRole.OWNER)
    return user


def _close_db_connections(**kwargs):
    connections.close_all()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming from the Redis broker of REDIS_URL.

    Needs ``transactional_db``: the worker has its own database connection and sees only committed rows.
    """
    celery_app.control.purge()  # drop messages left by earlier tests
    task_postrun.connect(_close_db_connections, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=15,
            queues=[TEST_QUEUE],
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_db_connections)


@contextmanager
def queued_tasks():
    """``(task name, kwargs)`` of every task queued inside the block (services write them to the outbox in their
    transaction), from every thread, in order; filled when the block ends. A task of a rolled-back transaction is
    not there. A test proves that something was queued once, or not at all, by counting here instead of waiting.
    """
    from portal.models import OutboxMessage

    last = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    tasks: list[tuple[str, dict]] = []
    yield tasks
    tasks.extend(OutboxMessage.objects.filter(pk__gt=last).order_by("pk").values_list("task", "kwargs"))


def emails_queued(tasks: list[tuple[str, dict]], *, subject: str = "") -> list[dict]:
    """The ``portal.send_email`` tasks among ``tasks`` whose subject contains ``subject``."""
    return [kw for name, kw in tasks if name == "portal.send_email" and subject in kw.get("subject", "")]


# --- Browser tests: Playwright driving Debian's Chromium -------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
AXE_SOURCE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "node_modules", "axe-core", "axe.min.js")
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context per test.

    Script errors, console errors (CSP violations included) and failed sub-resources (scripts, styles, images,
    htmx fragments) fail the test. A page itself may answer 4xx: forms re-render with their errors as 400.
    """
    context = chromium.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Brussels")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def assert_accessible(page, name: str | None = None) -> None:
    """Run axe-core on the current page: no serious or critical violation. Saves a screenshot when ``name``."""
    if name:
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)
    with open(AXE_SOURCE, encoding="utf-8") as handle:
        page.evaluate(handle.read())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe-core violations on {page.url}:\n" + "\n".join(bad)


def open_menu(page, name: str) -> None:
    """Open a dropdown of the main navigation (e.g. "Staff"), as a mouse user would."""
    page.get_by_role("navigation", name="Main navigation").get_by_role("button", name=name, exact=True).click()


def login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def login_with_totp(page, user, screenshot: str | None = None) -> None:
    """Sign in with password and the current code of ``user.totp_secret`` (see :func:`activate_totp`); with
    ``screenshot``, the code page is checked with axe-core and saved first."""
    from tests.accounts.helpers import current_totp_code

    login(page, user.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    if screenshot:
        assert_accessible(page, screenshot)
    page.get_by_label("Code").fill(current_totp_code(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()
