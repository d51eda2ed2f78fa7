"""The terms API: current versions, one version, your acceptances; accepting a current version (201, then 200);
bad input is a 400 with the field's error, a draft or unknown id a 404 or 400, anonymous a 401."""

import pytest
from rest_framework.test import APIClient

from allocations.models.terms import TermsAcceptance, TermsKind
from allocations.terms import services
from tests.factories.terms import published_terms


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_the_current_versions_and_one_site(api, terms, carol):
    platform_terms, jupiter_policy = terms
    body = api.get("/api/v1/terms/").json()
    assert [item["id"] for item in body["results"]] == [platform_terms.pk, jupiter_policy.pk]
    assert body["results"][1]["gigafactory"] == "jupiter" and body["results"][0]["gigafactory"] is None
    assert all(item["is_current"] and not item["accepted"] for item in body["results"])
    published_terms(by=carol, title="Terms of access, 2027")
    only = api.get("/api/v1/terms/?gigafactory=jupiter").json()["results"]
    assert [item["title"] for item in only] == ["Terms of access, 2027", "Acceptable use of Jupiter AI Gigafactory"]
    assert api.get("/api/v1/terms/?gigafactory=nowhere").status_code == 404
    old = api.get(f"/api/v1/terms/{platform_terms.pk}/").json()
    assert old["is_current"] is False and old["number"] == 1


def test_alice_accepts_once_and_lists_her_acceptances(api, alice, terms):
    platform_terms, _policy = terms
    first = api.post("/api/v1/terms-acceptances/", {"version": platform_terms.pk}, format="json")
    assert first.status_code == 201 and first.json()["number"] == 1
    again = api.post("/api/v1/terms-acceptances/", {"version": platform_terms.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    listed = api.get("/api/v1/terms-acceptances/").json()["results"]
    assert [item["version"] for item in listed] == [platform_terms.pk]
    assert api.get(f"/api/v1/terms/{platform_terms.pk}/").json()["accepted"] is True


def test_bad_input_is_a_400_with_the_field(api, carol, terms):
    platform_terms, _policy = terms
    draft = services.terms_version_create(kind=TermsKind.PLATFORM, gigafactory=None, by=carol, title="T", body="B")
    for payload in ({}, {"version": "abc"}, {"version": 999999}, {"version": draft.pk}, {"version": None}):
        response = api.post("/api/v1/terms-acceptances/", payload, format="json")
        assert response.status_code == 400, payload
        assert "version" in response.json(), payload
    published_terms(by=carol, title="Terms of access, 2027")
    stale = api.post("/api/v1/terms-acceptances/", {"version": platform_terms.pk}, format="json")
    assert stale.status_code == 400 and "Only the current version" in stale.json()["version"][0]
    assert api.get(f"/api/v1/terms/{draft.pk}/").status_code == 404
    assert not TermsAcceptance.objects.exists()


def test_anonymous_gets_401_and_no_one_sees_anothers_acceptances(alice, mallory, terms):
    assert APIClient().get("/api/v1/terms/").status_code == 401
    assert APIClient().post("/api/v1/terms-acceptances/", {"version": terms[0].pk}, format="json").status_code == 401
    services.terms_accept(user=alice, version_ids=[terms[0].pk], by=alice)
    other = APIClient()
    other.force_authenticate(mallory)
    assert other.get("/api/v1/terms-acceptances/").json()["results"] == []
