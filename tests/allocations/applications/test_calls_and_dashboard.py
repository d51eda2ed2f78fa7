"""Public call pages, filters, Markdown sanitising, the applicant dashboard and query budgets."""

import datetime as dt

import pytest
from django.utils import timezone

from allocations.applications.selectors import applicant_dashboard
from allocations.models import Application, CallStatus
from tests.factories import ApplicationFactory, CallFactory, GigafactoryFactory, fill_application
from tests.factories.allocations import access_mode


def test_call_list_shows_open_and_upcoming_only(client, db):
    now = timezone.now()
    CallFactory(title="Open call")
    CallFactory(title="Upcoming call", opens_at=now + dt.timedelta(days=3))
    CallFactory(title="Past call", cutoffs=[now - dt.timedelta(days=1)])
    CallFactory(title="Draft call", status=CallStatus.DRAFT)
    page = client.get("/calls/").content.decode()
    assert "Open call" in page and "Upcoming call" in page
    assert "Past call" not in page and "Draft call" not in page


def test_call_list_filters_by_mode_and_gigafactory(client, db):
    finland = GigafactoryFactory(slug="aurora-nord", name="Aurora Nord")
    germany = GigafactoryFactory(slug="rheinland", name="Rheinland")
    CallFactory(title="Playground in Finland", access_mode=access_mode("playground"), gigafactories=[finland])
    CallFactory(title="Large Scale in Germany", gigafactories=[germany])
    page = client.get("/calls/?mode=playground").content.decode()
    assert "Playground in Finland" in page and "Large Scale in Germany" not in page
    page = client.get("/calls/?gigafactory=rheinland").content.decode()
    assert "Playground in Finland" not in page and "Large Scale in Germany" in page
    assert client.get("/calls/?mode=nonsense").status_code == 200
    assert [c["title"] for c in client.get("/api/v1/calls/?mode=playground").json()["results"]] == [
        "Playground in Finland"
    ]


def test_call_detail_renders_sanitised_markdown_and_both_times(client, db):
    call = CallFactory(
        description=(
            "## Scope\n\n**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
        cutoffs=[dt.datetime(2030, 3, 14, 17, 0, tzinfo=dt.UTC)],
    )
    page = client.get(f"/calls/{call.slug}/").content.decode()
    assert "<h3>Scope</h3>" in page and "<strong>Bold</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page
    assert "14 Mar 2030, 18:00" in page and "Brussels time" in page  # 17:00 UTC is 18:00 in Brussels
    assert 'data-countdown="2030-03-14T18:00:00+01:00"' in page
    assert "Log in to apply" in page


def test_draft_call_is_404_for_the_public(client, db):
    call = CallFactory(status=CallStatus.DRAFT)
    assert client.get(f"/calls/{call.slug}/").status_code == 404
    assert client.get(f"/api/v1/calls/{call.slug}/").status_code == 404


def test_api_call_detail_is_public(client, call):
    body = client.get(f"/api/v1/calls/{call.slug}/").json()
    assert body["access_mode"]["code"] == "large-scale"
    assert body["request_min_gpu_hours"] == 50_000 and body["request_max_gpu_hours"] == 2_000_000
    assert [c["name"] for c in body["criteria"]] == ["Excellence", "Technical readiness", "Impact"]


def test_start_an_application_from_the_call(alice_client, alice_org, call):
    page = alice_client.get(f"/calls/{call.slug}/").content.decode()
    assert "Start an application" in page
    response = alice_client.post(f"/calls/{call.slug}/apply/", {"organisation": alice_org.pk})
    application = Application.objects.get()
    assert response.url == f"/applications/{application.pk}/edit/project/"
    assert application.pi.email == "alice@aurora-ai.eu"


def test_cannot_apply_for_another_organisation_or_a_closed_call(alice_client, alice_api, call, mallory):
    other_org = mallory.organisations.get()
    alice_client.post(f"/calls/{call.slug}/apply/", {"organisation": other_org.pk})
    assert not Application.objects.exists()
    response = alice_api.post("/api/v1/applications/", {"call": call.slug, "organisation": other_org.pk}, format="json")
    assert response.status_code == 400
    closed = CallFactory(cutoffs=[timezone.now() - dt.timedelta(hours=1)])
    response = alice_api.post(
        "/api/v1/applications/",
        {"call": closed.slug, "organisation": alice_api.handler._force_user.organisations.get().pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["This call is not open for applications."]


def test_api_create_list_and_patch(alice_api, alice_org, call):
    response = alice_api.post("/api/v1/applications/", {"call": call.slug, "organisation": alice_org.pk}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = alice_api.patch(
        f"/api/v1/applications/{pk}/",
        {
            "title": "Via API",
            "keywords": ["a", "b"],
            "project_version": 0,
            "members": [{"email": "x@aurora-ai.eu"}],
            "team_version": 0,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["project_version"], body["team_version"]) == ("Via API", 1, 1)
    assert body["members"] == [{"email": "x@aurora-ai.eu", "role": "researcher"}]
    assert alice_api.get("/api/v1/applications/").json()["count"] == 1


def test_dashboard_groups_and_completeness(alice, alice_client, alice_org, call):
    from allocations.applications import services

    ApplicationFactory(call=call, organisation=alice_org, created_by=alice, title="Half done")
    submitted = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice))
    submitted = services.application_submit(application_id=submitted.pk, by=alice, declaration=True)
    dashboard = applicant_dashboard(user=alice)
    assert [a.title for a in dashboard.drafts] == ["Half done"]
    assert dashboard.drafts[0].completeness.complete_sections == 1  # the team (alice is PI)
    assert [(key, [a.pk for a in apps]) for key, _label, apps in dashboard.groups] == [("in_progress", [submitted.pk])]
    assert [c.pk for c in dashboard.open_calls] == [call.pk]
    page = alice_client.get("/applications/").content.decode()
    assert "Half done" in page and submitted.reference in page and "1 of 5 steps" in page


def _many_applications(user, organisation, n):
    call = CallFactory()
    for i in range(n):
        ApplicationFactory(call=call, organisation=organisation, created_by=user, title=f"Draft {i}")


@pytest.mark.parametrize("n", [1, 200])
def test_dashboard_query_count_is_constant(alice, alice_org, client, django_assert_max_num_queries, n):
    _many_applications(alice, alice_org, n)
    for _i in range(min(n, 20)):
        CallFactory()
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get("/applications/")
    assert response.content.decode().count("Draft ") >= n


@pytest.mark.parametrize("n", [1, 200])
def test_call_list_query_count_is_constant(client, db, django_assert_max_num_queries, n):
    gigafactory = GigafactoryFactory()
    for _ in range(n):
        CallFactory(gigafactories=[gigafactory], criteria=False)
    with django_assert_max_num_queries(6):
        response = client.get("/calls/")
    assert response.content.decode().count('class="card h-100"') == n
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/calls/?page_size=500")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 200])
def test_api_application_list_query_count_is_constant(alice, alice_org, alice_api, django_assert_max_num_queries, n):
    _many_applications(alice, alice_org, n)
    with django_assert_max_num_queries(6):
        response = alice_api.get("/api/v1/applications/?page_size=500")
    assert response.json()["count"] == n
