"""Who may read what: the dashboards and stats API are for allocation admins, call managers and finance admins;
an applicant or a reviewer gets 403, anonymous visitors the login page (pages) or 401 (API). Bad filters give 400,
never 500; htmx requests get the panels only."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import login_staff

PAGES = [
    "/staff/dashboards/",
    "/staff/dashboards/funnel/",
    "/staff/dashboards/distribution/",
    "/staff/dashboards/fund/",
    "/staff/dashboards/reviewers/",
]
STATS = ["/api/v1/stats/overview/", "/api/v1/stats/funnel/", "/api/v1/stats/distribution/"]


@pytest.mark.parametrize("url", PAGES)
def test_applicant_gets_403_on_pages(client, alice, url):
    client.force_login(alice)
    assert client.get(url).status_code == 403
    assert client.get(url + "?export=overview").status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_reviewer_gets_403_on_pages(client, bob, url):
    login_staff(client, bob)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", STATS)
def test_stats_api_access(alice, carol, dora, url):
    api = APIClient()
    assert api.get(url).status_code == 401
    api.force_authenticate(alice)
    assert api.get(url).status_code == 403
    api.force_authenticate(dora)
    assert api.get(url).status_code == 200
    api.force_authenticate(carol)
    assert api.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_staff_readers_open_every_page(client, carol, dora, url):
    for user in (carol, dora):
        login_staff(client, user)
        assert client.get(url).status_code == 200


def test_staff_without_mfa_goes_to_totp_setup(client, alice):
    from accounts.roles import PlatformRole
    from tests.factories import UserFactory

    manager = UserFactory(roles=[PlatformRole.CALL_MANAGER])
    client.force_login(manager)
    response = client.get("/staff/dashboards/")
    assert response.status_code == 302
    assert "totp" in response["Location"]


def test_bad_filters_are_400_not_500(carol_client, carol_api, seeded):
    response = carol_client.get("/staff/dashboards/?gigafactory=atlantis&period=2027-Q9")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    api = carol_api.get("/api/v1/stats/funnel/?call=nope&period=tomorrow")
    assert api.status_code == 400
    assert set(api.json()) == {"call", "period", "detail", "code"}
    assert carol_client.get("/staff/dashboards/?export=no-such-table").status_code == 404


def test_unknown_export_and_filters_in_links(carol_client, seeded):
    page = carol_client.get("/staff/dashboards/funnel/?gigafactory=jupiter").content.decode()
    # The tabs and CSV links keep the filters, so a view can be bookmarked and exported as shown.
    assert 'href="/staff/dashboards/distribution/?gigafactory=jupiter"' in page
    assert "?gigafactory=jupiter&amp;export=funnel" in page


def test_htmx_gets_only_the_panels(carol_client, seeded):
    response = carol_client.get("/staff/dashboards/?gigafactory=jupiter", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="dashboard-panels"' in body
    assert "<html" not in body
    assert 'hx-swap-oob="true"' in body  # the tabs follow the filters
    assert "HX-Request" in response["Vary"]
    full = carol_client.get("/staff/dashboards/?gigafactory=jupiter").content.decode()
    assert "<html" in full and 'hx-push-url="true"' in full


def test_navigation_links(client, alice, carol):
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert 'href="/awards/"' in page and 'href="/staff/dashboards/"' not in page
    login_staff(client, carol)
    assert 'href="/staff/dashboards/"' in client.get("/").content.decode()
