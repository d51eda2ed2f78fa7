"""API foundation as the accounts app uses it: pagination, schema, docs from local static, query budgets."""

import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from accounts.models import Membership, MembershipRole, Organisation
from tests.factories import MembershipFactory, UserFactory

ACCOUNTS_COMPONENTS = {
    "User",
    "Organisation",
    "OrganisationRequest",
    "PatchedOrganisationRequest",
    "OrganisationMember",
    "OrganisationMemberUser",
    "Invitation",
    "InvitationRequest",
    "InvitationAnswerRequest",
}


def _give_organisations(user, n: int) -> None:
    organisations = Organisation.objects.bulk_create(
        Organisation(legal_name=f"Lab {i:04d}", country="DE", type="research") for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(organisation=o, user=user, role=MembershipRole.OWNER) for o in organisations
    )


def test_pagination_is_50_by_default_and_at_most_500(client, mallory):
    _give_organisations(mallory, 520)
    client.force_login(mallory)
    body = client.get("/api/v1/organisations/").json()
    assert body["count"] == 521
    assert len(body["results"]) == 50
    assert body["next"].endswith("?page=2")
    assert len(client.get("/api/v1/organisations/?page_size=200").json()["results"]) == 200
    assert len(client.get("/api/v1/organisations/?page_size=5000").json()["results"]) == 500
    assert client.get("/api/v1/organisations/?page=99").status_code == 404


def test_members_are_paginated_too(client, alice, alice_org):
    for i in range(60):
        MembershipFactory(organisation=alice_org, user=UserFactory(email=f"m{i:02d}@aurora-ai.eu", verified=False))
    client.force_login(alice)
    body = client.get(f"/api/v1/organisations/{alice_org.pk}/members/").json()
    assert body["count"] == 61
    assert len(body["results"]) == 50
    assert body["results"][0]["user"]["email"] == "alice@aurora-ai.eu"  # owners first
    assert set(body["results"][0]["user"]) == {"id", "email", "full_name"}  # no platform roles of others


def test_me_lists_platform_roles(client, carol):
    client.force_login(carol)
    body = client.get("/api/v1/me/").json()
    assert body["email"] == "carol@eurohpc.eu"
    assert body["roles"] == ["allocation admin", "call manager"]


def test_schema_generates_and_validates_without_accounts_warnings(tmp_path):
    """The whole schema validates against the OpenAPI 3 spec; the accounts part raises no warning at all."""
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(target))
    warnings = list(GENERATOR_STATS._warn_cache)
    errors = list(GENERATOR_STATS._error_cache)
    assert errors == []
    assert [w for w in warnings if "accounts" in w or "Organisation" in w or "Invitation" in w] == []
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    components = schema["components"]["schemas"]
    assert set(components) >= ACCOUNTS_COMPONENTS
    for path in ("/api/v1/me/", "/api/v1/organisations/", "/api/v1/organisations/{id}/"):
        assert path in schema["paths"]
    assert set(schema["paths"]["/api/v1/organisations/{id}/"]) >= {"get", "patch"}
    assert "put" not in schema["paths"]["/api/v1/organisations/{id}/"]
    assert schema["paths"]["/api/v1/organisations/{id}/"]["get"]["parameters"][0]["schema"]["type"] == "integer"
    organisation = components["Organisation"]["properties"]
    assert organisation["country"]["$ref"].endswith("/EligibleCountryEnum")
    assert organisation["type"]["$ref"].endswith("/OrganisationTypeEnum")
    assert "US" not in components["EligibleCountryEnum"]["enum"]
    assert {"DE", "NO", "CH", "UA", "XK"} <= set(components["EligibleCountryEnum"]["enum"])
    security = {name for entry in schema["paths"]["/api/v1/me/"]["get"]["security"] for name in entry}
    assert {"tokenAuth", "cookieAuth"} <= security


def test_schema_endpoint_serves_openapi(client):
    response = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Gigafactory Access Portal API"


def test_swagger_ui_comes_from_local_static_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in s for s in sources), sources
    assert all(s.startswith("/") for s in sources), sources
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html)
    assert client.get(next(s for s in sources if s.endswith("swagger-ui-bundle.js"))).status_code == 200


@pytest.mark.parametrize("extra", [0, 60])
def test_organisation_list_page_query_budget(client, django_assert_max_num_queries, mallory, extra):
    _give_organisations(mallory, extra)
    for organisation in Organisation.objects.filter(legal_name__startswith="Lab")[:20]:
        MembershipFactory(organisation=organisation, user=UserFactory(verified=False))
    client.force_login(mallory)
    # Measured: 5 (session, user, groups for the menu, organisations with counts, count); a margin for the menu.
    with django_assert_max_num_queries(7):
        response = client.get("/organisations/")
    assert response.status_code == 200
    assert len(response.context["organisations"]) == extra + 1


@pytest.mark.parametrize("extra", [0, 120])
def test_organisation_api_list_query_budget(client, django_assert_max_num_queries, mallory, extra):
    _give_organisations(mallory, extra)
    client.force_login(mallory)
    with django_assert_max_num_queries(5):  # measured: 4, whatever the number of organisations
        response = client.get("/api/v1/organisations/?page_size=500")
    assert response.status_code == 200
    assert len(response.json()["results"]) == extra + 1


@pytest.mark.parametrize("extra", [0, 80])
def test_members_page_and_api_query_budget(client, django_assert_max_num_queries, alice, alice_org, extra):
    for i in range(extra):
        MembershipFactory(organisation=alice_org, user=UserFactory(email=f"m{i:03d}@aurora-ai.eu", verified=False))
    client.force_login(alice)
    with django_assert_max_num_queries(9):  # measured: 7
        assert client.get(f"/organisations/{alice_org.pk}/members/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/v1/organisations/{alice_org.pk}/members/?page_size=500").status_code == 200
