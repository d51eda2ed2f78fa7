"""No write endpoint of the API answers bad input with a server error. On the demo data set, every write path of
the OpenAPI schema is called by an applicant, a reviewer and a staff user, with ids of real objects and of none,
and with bodies that are empty, of the wrong types, a list, or not JSON at all. Every answer must be below 500:
validation errors are 400s with field errors, missing or foreign objects 404s, forbidden actions 403s."""

import re

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from allocations.models import Application, Call
from allocations.models.capacity import AllocationRun, Grant, Pool
from allocations.models.changes import ChangeRequest
from allocations.models.reports import FinalReport
from allocations.models.usage import Cluster
from reviews.models import Review, ReviewAssignment

BODIES = [
    ("application/json", "{}"),
    ("application/json", '{"id": "x", "amount": -1, "status": [], "name": null, "title": 5, "scores": "x"}'),
    ("application/json", "[1, 2]"),
    ("application/json", "not json"),
]
# The objects behind a path's id, by the path's collection.
MODELS = {
    "allocation-runs": AllocationRun,
    "applications": Application,
    "change-requests": ChangeRequest,
    "grants": Grant,
    "final-reports": FinalReport,
    "organisations": Organisation,
    "pools": Pool,
    "review-assignments": ReviewAssignment,
    "reviews": Review,
}


def _write_paths() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    ]


def _ids(path: str) -> list[str]:
    if "{" not in path:
        return [""]
    collection = path.split("/")[3]
    if collection == "calls":  # by slug
        return [*Call.objects.order_by("pk").values_list("slug", flat=True)[:2], "no-such-call"]
    if collection == "clusters":  # by name
        return [*Cluster.objects.order_by("pk").values_list("name", flat=True)[:2], "no-such-cluster"]
    if collection == "calls":  # by slug
        return [*Call.objects.order_by("pk").values_list("slug", flat=True)[:3], "no-such-call"]
    pks = list(MODELS[collection].objects.order_by("pk").values_list("pk", flat=True)[:4])
    return [str(pk) for pk in pks] + ["999999"]


def test_no_write_endpoint_answers_bad_input_with_a_server_error(demo_data):
    users = [User.objects.get(email=f"{name}@demo.gigafactory.eu") for name in ("alice", "bob", "carol")]
    calls = _write_paths()
    assert len(calls) >= 25, calls  # the schema was read
    errors, statuses = [], {}
    for user in users:
        client = APIClient()
        client.force_authenticate(user)
        for path, method in calls:
            for ident in _ids(path):
                url = re.sub(r"\{[^}]+\}", ident, path)
                for content_type, body in BODIES:
                    response = getattr(client, method)(url, data=body, content_type=content_type)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code >= 500:
                        errors.append(f"{user.email} {method.upper()} {url} {body!r}: {response.status_code}")
    # the bodies reached validation, not only the id lookups and permission checks
    assert statuses.get(400, 0) > 100, statuses
    assert not errors, "\n".join(errors)
