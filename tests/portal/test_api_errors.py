"""The API's one error shape, JSON-only bodies, and a schema that documents both with readable operation ids."""

import re
from types import SimpleNamespace

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions
from rest_framework.test import APIClient

from portal.api import UserRateThrottle, exception_handler, field_errors

UPLOADS = {"applications_attachments_create", "usage_imports_create"}


@pytest.fixture
def alice_api(alice):
    api = APIClient()
    api.force_authenticate(alice)
    return api


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_operation_ids_are_unique_and_read_well(schema):
    ids = [operation["operationId"] for _path, _method, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", i) for i in ids), ids
    assert {"calls_list", "applications_create", "applications_partial_update", "ledger_transfers_create"} <= set(ids)


def test_every_operation_documents_its_errors_with_the_error_schema(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code.startswith("4")}
        assert "404" in errors or "{" not in path, (path, method)
        if "requestBody" in operation:
            assert {"400", "415"} <= errors, (path, method)
        if path != "/api/v1/public/awards/":
            assert {"401", "403", "429"} <= errors, (path, method)
        for code in errors - {"409"}:
            assert responses[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]


def test_bodies_are_json_except_file_uploads(schema):
    for _path, _method, operation in operations(schema):
        if "requestBody" in operation:
            expected = ["multipart/form-data"] if operation["operationId"] in UPLOADS else ["application/json"]
            assert list(operation["requestBody"]["content"]) == expected, operation["operationId"]


def test_documented_shapes_match_the_real_ones(schema):
    by_id = {operation["operationId"]: operation for _p, _m, operation in operations(schema)}
    for list_id in ("usage_records_list", "usage_imports_list"):
        ref = by_id[list_id]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]) == {
            "count",
            "next",
            "previous",
            "results",
        }
    assert schema["components"]["schemas"]["Pool"]["properties"]["partner"]["nullable"] is True


def test_a_form_body_is_415_and_an_unknown_url_is_a_json_404(alice_api):
    response = alice_api.post("/api/v1/organisations/", {"legal_name": "X"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    missing = alice_api.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"detail": "Not found.", "code": "not_found"}


def test_bad_json_and_field_errors_have_the_one_shape(alice_api):
    broken = alice_api.post("/api/v1/organisations/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"
    invalid = alice_api.post("/api/v1/organisations/", {}, format="json")
    body = invalid.json()
    assert invalid.status_code == 400 and body["code"] == "invalid" and body["detail"]
    assert all(isinstance(messages, list) for key, messages in body.items() if key not in {"detail", "code"})


def test_nested_errors_become_dotted_paths_and_throttling_says_when_to_retry():
    assert field_errors({"transfers": [{}, {"amount": ["Too big."]}], "non_field_errors": ["No."]}) == {
        "transfers.1.amount": ["Too big."],
        "non_field_errors": ["No."],
    }
    assert field_errors({"code": ["Bad."]}) == {"code": ["Bad."]}
    response = exception_handler(exceptions.Throttled(wait=7), {})
    assert response.status_code == 429 and response.data["code"] == "throttled"
    assert response["Retry-After"] == "7"
    response = exception_handler(exceptions.ValidationError({"code": ["Bad."]}), {})
    assert response.data == {"code_field": ["Bad."], "detail": "Bad.", "code": "invalid"}


def test_each_cluster_token_has_its_own_request_budget(db):
    from allocations.usage.auth import ClusterPrincipal
    from tests.factories.usage import ClusterFactory

    def key(user):
        return UserRateThrottle().get_cache_key(SimpleNamespace(user=user), None)

    tokens = [SimpleNamespace(cluster=ClusterFactory()) for _ in range(2)]
    assert len({key(ClusterPrincipal(token)) for token in tokens}) == 2
    assert key(SimpleNamespace(is_authenticated=True, pk=7)).endswith("_7")
