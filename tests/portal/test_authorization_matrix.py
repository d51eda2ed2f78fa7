"""The authorization matrix: every route that takes an object id (pages from the URL resolver, API operations
from the OpenAPI schema) called by each of thirteen personas, against the expected status written in TABLE.

A route with a path parameter that is neither in TABLE nor in NOT_OBJECT_ROUTES fails the test, and so does an
API operation of the schema without its method in TABLE: a new route needs its row. Every request runs in a
savepoint that is rolled back, so writes (POST with an empty body, DELETE) never change the shared data set,
which is built once for the module.

Personas (columns of TABLE, in this order):
  anon   anonymous
  other  owner of another organisation (an applicant elsewhere)
  member member of the applicant's organisation, not owner, not PI
  pi     the PI, owner of the applicant's organisation
  rev    a reviewer not assigned to the application
  cfl    a reviewer who returned the assignment for a conflict of interest
  asg    the assigned reviewer who accepted (no conflict)
  cm     call manager
  aa     allocation admin
  fin    finance admin
  prt    contact of a ledger partner
  nomfa  a user with every staff role whose session did not pass TOTP (an authenticator exists)
  clu    a cluster token of another cluster
"""

import functools
import json
import logging
import os
import re
import uuid
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.portal.authz_world import build

# The mark makes pytest-django create the test database; each test also runs in its own rolled-back transaction.
pytestmark = pytest.mark.django_db

PERSONAS = ("anon", "other", "member", "pi", "rev", "cfl", "asg", "cm", "aa", "fin", "prt", "nomfa", "clu")
RECORD = os.environ.get("AUTHZ_MATRIX_RECORD") == "1"  # print the observed table instead of asserting

# Routes with a path parameter that does not name an object the portal guards per user.
NOT_OBJECT_ROUTES = {
    "account_confirm_email": "allauth: a signed e-mail confirmation key, not an object id",
    "account_reset_password_from_key": "allauth: a signed password-reset key, not an object id",
    "invitation_respond": "a signed invitation token: whoever holds the link may answer it (tests/accounts)",
    "api:api-root": "DRF's format suffix only",
    "api:organisation-list": "format suffix only",
    "api:call-list": "format suffix only",
    "api:application-list": "format suffix only",
    "api:capacity-period-list": "format suffix only",
    "api:pool-list": "format suffix only",
    "api:allocation-run-list": "format suffix only",
    "api:grant-list": "format suffix only",
    "api:change-request-list": "format suffix only",
    "api:award-list": "format suffix only",
    "api:final-report-list": "format suffix only",
    "api:review-assignment-list": "format suffix only",
    "api:ledger-account-list": "format suffix only",
    "api:ledger-transfer-list": "format suffix only",
    "api:terms-list": "format suffix only",
    "api:terms-acceptance-list": "format suffix only",
}
NOT_OBJECT_NAMESPACES = {"admin": "Django admin: superusers after TOTP only (tests/accounts/test_staff_mfa.py)"}

# route name -> (object the id names, {method: statuses of PERSONAS in order}), read from the table file beside
# this module: one line per route and method, the statuses in PERSONAS order.
TABLE_FILE = Path(__file__).with_name("authorization_matrix.txt")


def _read_table() -> dict[str, tuple[str, dict[str, str]]]:
    table: dict[str, tuple[str, dict[str, str]]] = {}
    for line in TABLE_FILE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, obj, method, *statuses = line.split()
        assert len(statuses) == len(PERSONAS), f"{name} {method}: {len(statuses)} statuses for {len(PERSONAS)}"
        row = table.setdefault(name, ("" if obj == "-" else obj, {}))
        row[1][method] = " ".join(f"{status:>3}" for status in statuses)
    return table


TABLE = _read_table()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The data set, built once in a transaction that is rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


# --- routes ---------------------------------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}".strip(":"), prefix + str(pattern.pattern)


def object_routes() -> dict[str, set[str]]:
    """Route name -> its path parameters, for every named route with one (admin excluded, see above)."""
    routes: dict[str, set[str]] = {}
    for name, route in _walk(get_resolver().url_patterns):
        params = {a or b for a, b in _PARAM.findall(route)} - {"format"}
        if name.split(":")[0] in NOT_OBJECT_NAMESPACES or not (params or "format" in route):
            continue
        routes.setdefault(name, set()).update(params)
    return routes


@functools.cache
def schema_operations() -> frozenset[tuple[str, str]]:
    """(route name, method) of every API operation whose path takes a parameter, resolved from the schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = set()
    for path, methods in schema["paths"].items():
        if "{" not in path:
            continue
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        operations |= {(name, method.upper()) for method in methods if method != "parameters"}
    return frozenset(operations)


# Which object each route parameter names (the route's ``pk`` by route name, the others by parameter name).
PK_OBJECT = {
    "token_revoke": "token",
    "organisation": "organisation",
    "invitation_create": "organisation",
    "invitation_revoke": "organisation",
    "membership": "organisation",
    "application": "application",
    "attachment": "application",
    "team_member": "application",
    "eligibility_check": "application",
    "assign_reviewer": "application",
    "panel_move": "application",
    "panel_decide": "application",
    "panel_application": "application",
    "usage_import": "usage_import",
    "usage-import": "usage_import",
    "grant": "grant",
    "award": "award",
    "final_report": "report",
    "final-report": "report",
    "staff_final_report": "report",
    "change_request_new": "grant",
    "change_request": "change_request",
    "staff_change_request": "change_request",
    "change-request": "change_request",
    "capacity_period": "period",
    "capacity-period": "period",
    "pool-award": "partner_pool",
    "pool": "pool",
    "capacity_run": "run",
    "allocation-run": "run",
    "review_": "assignment",
    "review-assignment": "assignment",
    "review-detail": "review",
    "review-submit": "review",
    "partner_statement": "partner",
    "partner-statement": "partner",
    "ledger-account": "account",
    "ledger-partner": "partner",
    "transfer_reverse": "transfer",
    "pending_": "pledge",
    "terms_version": "terms_published",
    "terms-detail": "terms_published",
    "terms_staff": "terms_draft",
}
PARAM_OBJECT = {
    "invitation_pk": "invitation",
    "membership_pk": "membership",
    "attachment_pk": "attachment",
    "pool_pk": "pool",
    "partner_pool_pk": "partner_pool",
    "cutoff_pk": "cutoff",
    "question_pk": "question",
    "slug": "call",
    "name": "cluster",
    "cluster": "cluster",
}
FIXED = {"section": "project", "kind": "pledge", "change_kind": "supplement"}


def _pk_object(name: str) -> str:
    bare = name.split(":")[-1]
    for prefix, kind in PK_OBJECT.items():
        if bare.startswith(prefix):
            return kind
    raise AssertionError(f"which object does the pk of {name} name? add it to PK_OBJECT")


def url_of(name: str, params: set[str], objects: dict) -> str:
    kwargs = {}
    for param in params:
        if param in FIXED:
            kwargs[param] = FIXED[param]
        elif param == "pk":
            kwargs[param] = objects[_pk_object(name)]
        elif param == "item_pk":  # the call designer moves or removes a question or a document slot
            kwargs[param] = objects["slot" if "_slot_" in name else "question"]
        else:
            kwargs[param] = objects[PARAM_OBJECT[param]]
    return reverse(name, kwargs=kwargs)


# One body for every write: the fields most write endpoints need, so that authorization, not a missing field,
# decides the answer (a 400 tells nothing about authorization).
BODY = {
    "no_conflict": True,
    "declaration": True,
    "reason": "matrix",
    "text": "matrix",
    "comment_for_applicant": "matrix",
    "title": "matrix",
    "email": "matrix@example.org",
    "role": "member",
    "answer": "accept",
    "confirm": "yes",
}


def call(client: Client, method: str, url: str) -> int:
    """One request in a savepoint that is rolled back: writes never reach the shared data set."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.generic(method, url, json.dumps(BODY), content_type="application/json")
        else:
            response = client.post(url, BODY)
        transaction.set_rollback(True)
    return response.status_code


def test_every_object_route_has_a_row():
    routes = object_routes()
    known = set(TABLE) | set(NOT_OBJECT_ROUTES)
    assert sorted(set(routes) - known) == [], "new routes need a row in TABLE (or NOT_OBJECT_ROUTES)"
    assert sorted(set(TABLE) - set(routes)) == [], "rows of routes that no longer exist"
    missing = sorted((name, method) for name, method in schema_operations() if method not in TABLE[name][1])
    assert missing == [], "API operations of the schema without their method in TABLE"


@pytest.fixture
def quiet_requests():
    """1,400 refusals would each log a warning (with a traceback for a 403): silence django.request meanwhile."""
    logger = logging.getLogger("django.request")
    level, logger.level = logger.level, logging.ERROR
    yield
    logger.setLevel(level)


def test_the_matrix(world, quiet_requests):
    objects, clients = world["objects"], world["clients"]
    routes = object_routes()
    operations = schema_operations()
    observed: dict[str, dict[str, str]] = {}
    wrong = []
    for name in sorted(routes):
        if name in NOT_OBJECT_ROUTES:
            continue
        url = url_of(name, routes[name], objects)
        methods = sorted({m for n, m in operations if n == name}) or list(TABLE.get(name, ("", {"GET": ""}))[1])
        for method in methods:
            got = " ".join(f"{call(clients[p], method, url):>3}" for p in PERSONAS)
            if RECORD and method == "GET" and "405" in got:  # a page that only takes POST
                method, got = "POST", " ".join(f"{call(clients[p], 'POST', url):>3}" for p in PERSONAS)
            observed.setdefault(name, {})[method] = got
            expected = TABLE.get(name, ("", {}))[1].get(method)
            if expected != got:
                wrong.append(f"{method} {url} ({name})\n   expected {expected}\n   got      {got}")
    if RECORD:
        for name, by_method in observed.items():
            obj = _pk_object(name) if "pk" in routes[name] else "-"
            for method, got in by_method.items():
                print(f"{name:38} {obj:15} {method:6} " + " ".join(f"{status:>5}" for status in got.split()))
    count = sum(len(m) for m in observed.values())
    print(f"authorization matrix: {count} route operations x {len(PERSONAS)} personas = {count * len(PERSONAS)} calls")
    assert not wrong, "\n".join(wrong)


def test_personas_are_who_they_claim(world):
    """Sanity of the columns: the staff sessions passed TOTP, the no-MFA one did not, the cluster token is valid."""
    clients = world["clients"]
    assert clients["cm"].get("/staff/reviews/manage/").status_code == 200
    assert clients["nomfa"].get("/staff/reviews/manage/").status_code == 302
    assert clients["pi"].get("/applications/").status_code == 200
    assert clients["anon"].get("/applications/").status_code == 302
    assert clients["clu"].post("/api/v1/usage/records/", [], content_type="application/json").status_code == 400
    assert uuid.UUID(str(world["objects"]["pledge"]))


def test_a_write_to_another_reviewers_assignment_is_404_whatever_the_body(world):
    """The assignment is looked up before the body is read: an empty body is not a 400 that confirms it exists."""
    url = f"/api/v1/review-assignments/{world['objects']['assignment']}/accept/"
    for persona, expected in (("rev", 404), ("cfl", 404), ("asg", 400)):
        with transaction.atomic():
            status = world["clients"][persona].post(url, {}, content_type="application/json").status_code
            transaction.set_rollback(True)
        assert status == expected, persona
