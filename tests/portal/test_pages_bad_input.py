"""No page answers bad input with a server error. On the demo data set, every URL pattern of the portal's own
apps is requested with nonsense query parameters and posted to with empty and nonsense form data, by an
applicant, a reviewer and two staff users (with TOTP, so staff pages are reachable), with ids of real objects
and of none. Every answer must be below 500: forms re-render with their errors (400 or 200), missing or foreign
objects are 404, forbidden 403, a page that takes no post 405. (/healthz answers 503 without a worker, by
design, and is left out.)"""

import re

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import ApiToken, Invitation, Membership, Organisation, User
from allocations.models import Application, Attachment, Call, CallCutoff, CallDocumentSlot, CallQuestion, Section
from allocations.models.capacity import AllocationRun, CapacityPeriod, Grant, Pool
from allocations.models.changes import ChangeRequest
from allocations.models.reports import FinalReport
from allocations.models.terms import TermsVersion
from allocations.models.usage import Cluster, UsageImport
from ledger.models import Partner, Transfer
from reviews.models import ReviewAssignment
from tests.conftest import activate_totp, login_staff

FORMS = [
    {},
    {
        "title": "x" * 5000,
        "amount": "-1",
        "year": "abc",
        "quarter": "9",
        "code": "000000",
        "email": "not-an-email",
        "due_on": "2020-02-30",
        "scores": "x",
        "policy": "nonsense",
        "file": "x",
        "accept": "maybe",
    },
]
# Query strings a page must shrug off: filters, pages and exports that do not exist.
QUERY = {
    "page": "x",
    "year": "abc",
    "quarter": "9",
    "gigafactory": "nope",
    "period": "-1",
    "call": "no-such-call",
    "mode": "x",
    "q": "'\"<>%",
    "export": "nope",
    "from": "2020-13-01",
    "to": "x",
    "country": "ZZ",
}
APPS = ("accounts", "allocations", "reviews", "ledger", "portal")


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "")
            # The Django admin is Django's own (an app's admin class may define a view of it, e.g. a password form).
            if module.split(".")[0] in APPS and "api" not in module.split(".")[-1] and not prefix.startswith("admin/"):
                yield prefix + str(entry.pattern)


# The objects behind a path parameter, by the path segment before it.
MODELS = {
    "applications": Application,
    "attachments": Attachment,
    "grants": Grant,
    "final-reports": FinalReport,
    "organisations": Organisation,
    "invitations": Invitation,
    "members": Membership,
    "partners": Partner,
    "tokens": ApiToken,
    "periods": CapacityPeriod,
    "pools": Pool,
    "runs": AllocationRun,
    "assignments": ReviewAssignment,
    "imports": UsageImport,
    "open": Transfer,
    "transfers": Transfer,
    "questions": CallQuestion,
    "documents": CallDocumentSlot,
    "cutoffs": CallCutoff,
    "changes": ChangeRequest,
    "terms": TermsVersion,
    "versions": TermsVersion,
}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _values(segment: str, converter: str | None, name: str) -> list[str]:
    if name == "section":
        return [Section.values[0], "nonsense"]
    if name == "kind":
        return ["pledge", "nonsense"]
    if name == "change_kind":
        return ["transfer", "nonsense"]
    if name == "token":
        return ["not-a-token"]
    if name == "slug":
        return [Call.objects.order_by("pk").values_list("slug", flat=True).first(), "no-such-call"]
    if name == "format":
        return ["json"]
    if name in ("name", "cluster"):  # a cluster's name
        return [Cluster.objects.order_by("pk").values_list("name", flat=True).first() or "none", "no-such-cluster"]
    model = MODELS[segment]
    real = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:2]]
    missing = "00000000-0000-0000-0000-000000000000" if converter == "uuid" else "999999"
    return [*real, missing]


def _urls(pattern: str) -> list[str]:
    urls = ["/" + pattern]
    for match in PARAMETER.finditer(pattern):
        converter, name = match.groups()
        segment = pattern[: match.start()].rstrip("/").split("/")[-1]
        urls = [url.replace(match.group(0), value, 1) for url in urls for value in _values(segment, converter, name)]
    return urls


def test_no_page_answers_bad_input_with_a_server_error(demo_data):
    patterns = sorted({p for p in _patterns() if not p.startswith("api/") and p != "healthz"})
    assert len(patterns) > 60, patterns
    errors, statuses = [], {}
    for name in ("alice", "bob", "carol", "dora"):
        user = activate_totp(User.objects.get(email=f"{name}@demo.gigafactory.eu"))
        client = Client(raise_request_exception=False)
        login_staff(client, user)
        for pattern in patterns:
            for url in _urls(pattern):
                for method, data in [("get", QUERY), *(("post", form) for form in FORMS)]:
                    response = getattr(client, method)(url, data)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code >= 500:
                        errors.append(f"{name} {method.upper()} {url} {sorted(data)}: {response.status_code}")
    assert statuses.get(400, 0) + statuses.get(200, 0) > 50, statuses  # forms were reached
    assert not errors, "\n".join(errors)
