"""Query budgets: every dashboard page, stats endpoint and the register runs at most 15 queries, with the small
seeded data set and with the bulk one (hundreds of applications and grants, thousands of usage rows)."""

import pytest
from django.test import Client

STAFF_URLS = [
    "/staff/dashboards/",
    "/staff/dashboards/funnel/",
    "/staff/dashboards/distribution/",
    "/staff/dashboards/fund/",
    "/staff/dashboards/reviewers/",
    "/staff/dashboards/?gigafactory=jupiter&mode=large-scale",
    "/staff/dashboards/funnel/?export=funnel",
    "/api/v1/stats/overview/",
    "/api/v1/stats/funnel/",
    "/api/v1/stats/distribution/",
]
PUBLIC_URLS = ["/awards/", "/awards/?q=Project", "/awards/?format=csv", "/api/v1/public/awards/"]
BUDGET = 15


def _check(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_small(carol_client, seeded, url, django_assert_max_num_queries):
    _check(carol_client, url, django_assert_max_num_queries)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_small(client, seeded, url, django_assert_max_num_queries):
    _check(client, url, django_assert_max_num_queries)


def test_every_page_large(carol_client, large, django_assert_max_num_queries):
    """The same budget with the bulk data set; the pages really show its rows."""
    client = Client()  # anonymous
    for url in STAFF_URLS:
        _check(carol_client, url.replace("jupiter", "bench-gf-1"), django_assert_max_num_queries)
    for url in PUBLIC_URLS:
        _check(client, url, django_assert_max_num_queries)
    page = carol_client.get("/staff/dashboards/reviewers/")
    assert page.context["tables"][0].rows, "the large data set has reviewers"
    register = client.get("/awards/")
    assert register.context["page_obj"].paginator.count > 50
