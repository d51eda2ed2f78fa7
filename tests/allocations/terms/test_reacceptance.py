"""A new version of the terms makes everyone it binds accept it at their next visit; pages that must stay open (sign
out, the terms themselves, staff pages, the API, anonymous pages) stay open."""

import pytest
from rest_framework.test import APIClient

from allocations.models.terms import TermsAcceptance
from tests.conftest import login_staff
from tests.factories.terms import accept_current_terms, published_terms


@pytest.fixture
def accepted(terms, grant, alice, gigafactory):
    """alice accepted the current terms with her offer and works on her active grant."""
    assert TermsAcceptance.objects.filter(user=alice).count() == 2
    return grant


def test_nothing_happens_while_the_accepted_versions_are_current(client, alice, accepted):
    client.force_login(alice)
    assert client.get("/grants/").status_code == 200
    assert client.get(f"/grants/{accepted.pk}/").status_code == 200


def test_a_new_version_sends_alice_to_the_terms_at_her_next_visit_and_back(client, alice, accepted, carol):
    client.force_login(alice)
    assert client.get("/grants/").status_code == 200
    newer = published_terms(by=carol, title="Terms of access, 2027", changes="A clause on export control.")

    response = client.get(f"/grants/{accepted.pk}/?tab=usage")
    assert response.status_code == 302
    assert response.url == f"/terms/?next=%2Fgrants%2F{accepted.pk}%2F%3Ftab%3Dusage"
    page = client.get(response.url).content.decode()
    assert "Terms of access, 2027" in page and "A clause on export control." in page  # what changed, for her
    assert "No mining of cryptocurrencies." not in page  # the site's policy she accepted is unchanged
    assert client.get("/profile/").status_code == 302  # every page, until she accepts

    back = client.post(
        "/terms/accept/", {"version": [newer.pk], "agree": "on", "next": f"/grants/{accepted.pk}/?tab=usage"}
    )
    assert back.url == f"/grants/{accepted.pk}/?tab=usage"
    assert client.get(back.url).status_code == 200


def test_a_new_site_policy_binds_only_people_with_grants_there(client, alice, mallory, accepted, carol, gigafactory):
    published_terms(by=carol, gigafactory=gigafactory, body="## Jupiter\nNew rules.")
    client.force_login(mallory)  # no grant, never accepted anything
    assert client.get("/grants/").status_code == 200
    client.force_login(alice)
    assert client.get("/grants/").status_code == 302


def test_pages_that_must_stay_open_do(client, alice, accepted, carol):
    published_terms(by=carol, title="Terms of access, 2027")
    client.force_login(alice)
    for url in ("/terms/", "/privacy/", "/accessibility/", "/healthz", "/api/v1/me/", "/accounts/logout/"):
        assert client.get(url).status_code != 302 or "/terms/" not in client.get(url).url, url
    assert client.get("/grants/", headers={"HX-Request": "true"}).status_code == 200  # htmx fragments too
    api = APIClient()
    api.force_authenticate(alice)
    assert api.get("/api/v1/grants/").status_code == 200
    client.logout()
    assert client.get("/").status_code == 200  # anonymous


def test_staff_pages_stay_open_to_staff_with_a_grant_of_their_own(client, carol, accepted):
    accept_current_terms(carol, [accepted.gigafactory])
    published_terms(by=carol, title="Terms of access, 2027")
    login_staff(client, carol)
    assert client.get("/staff/terms/").status_code == 200


def test_the_redirect_costs_no_query_once_checked(client, alice, accepted, django_assert_max_num_queries):
    client.force_login(alice)
    client.get("/grants/")
    from allocations.terms import selectors

    selectors.current_fingerprint()  # cached
    with django_assert_max_num_queries(50) as counted:
        client.get("/grants/")
    assert not any("allocations_termsacceptance" in q["sql"] for q in counted.captured_queries)
