"""A submitted report's publications on the public awards register (page and API), never for confidential calls;
the final report API: read, save the draft, submit, staff list with its filter, bad input, other users 404."""

import pytest
from rest_framework.test import APIClient

from allocations.models import Call
from allocations.models.reports import ReportStatus
from allocations.postaward.reports import services
from tests.allocations.postaward.test_final_reports import draft, save
from tests.conftest import staff_api_client
from tests.factories import MembershipFactory, UserFactory


def submit(report, alice):
    save(report, alice)
    services.final_report_submit(report_id=report.pk, by=alice)


def test_the_register_shows_the_publications_of_a_submitted_report(report, alice, client):
    save(report, alice)
    assert "Aurora speech" not in client.get("/awards/").content.decode()  # a draft is not published
    services.final_report_submit(report_id=report.pk, by=alice)
    page = client.get("/awards/").content.decode()
    assert "2 publications" in page and 'href="https://doi.org/10.1234/aurora.2027.1"' in page
    (row,) = client.get("/api/v1/public/awards/").json()["results"]
    assert [p["doi"] for p in row["publications"]] == ["10.1234/aurora.2027.1", "10.48550/arXiv.2701.00001"]


def test_confidential_calls_publish_no_publications(report, alice, client):
    Call.objects.filter(pk=report.award.application.call_id).update(awards_confidential=True)
    submit(report, alice)
    page = client.get("/awards/").content.decode()
    assert "Aurora speech" not in page and "aurora.2027" not in page
    (row,) = client.get("/api/v1/public/awards/").json()["results"]
    assert row["confidential"] and row["publications"] == []


@pytest.fixture
def alice_api(alice):
    api = APIClient()
    api.force_authenticate(alice)
    return api


def test_the_pi_reads_saves_and_submits_by_the_api(report, alice_api):
    (listed,) = alice_api.get("/api/v1/final-reports/").json()["results"]
    assert (listed["id"], listed["status"], listed["overdue"]) == (report.pk, "draft", False)
    body = draft(outputs=[])
    response = alice_api.put(f"/api/v1/final-reports/{report.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert [p["doi"] for p in response.json()["publications"]] == ["10.1234/aurora.2027.1", "10.48550/arXiv.2701.00001"]
    response = alice_api.post(f"/api/v1/final-reports/{report.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == ReportStatus.SUBMITTED
    assert alice_api.put(f"/api/v1/final-reports/{report.pk}/", body, format="json").status_code == 400


def test_bad_input_is_a_400_with_field_errors(report, alice_api):
    url = f"/api/v1/final-reports/{report.pk}/"
    twin = {"doi": "10.1234/AURORA.2027.1", "title": "Twin", "year": 2027}
    response = alice_api.put(url, draft(publications=[*draft()["publications"], twin]), format="json")
    assert response.status_code == 400
    assert response.json()["publications.2.doi"] == ["The DOI 10.1234/AURORA.2027.1 is already listed (publication 1)."]
    response = alice_api.put(url, draft(publications=[{"doi": "12.3/x", "title": "T", "year": 1800}]), format="json")
    assert response.status_code == 400 and "publications" in str(response.json())
    response = alice_api.put(url, draft(achievements="w " * 1001), format="json")
    assert response.json()["achievements"] == ["Write at most 1000 words (now 1001)."]
    response = alice_api.put(url, {"outputs": [{"kind": "weights", "url": "x"}]}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = alice_api.post(f"{url}submit/")
    assert response.status_code == 400 and set(response.json()) >= {"achievements", "hours_usage"}
    assert alice_api.get("/api/v1/final-reports/?state=nonsense").status_code == 400


def test_other_users_get_404_and_colleagues_may_only_read(report, alice, alice_org, mallory):
    colleague = UserFactory(email="kadri@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague)
    api = APIClient()
    api.force_authenticate(colleague)
    assert api.get(f"/api/v1/final-reports/{report.pk}/").status_code == 200
    assert api.put(f"/api/v1/final-reports/{report.pk}/", draft(), format="json").status_code == 403
    api.force_authenticate(mallory)
    assert api.get("/api/v1/final-reports/").json()["results"] == []
    for method, path in (("get", ""), ("put", ""), ("post", "submit/")):
        assert getattr(api, method)(f"/api/v1/final-reports/{report.pk}/{path}", {}, format="json").status_code == 404


def test_staff_list_every_report_with_the_state_filter(report, alice, carol):
    api = staff_api_client(carol)
    assert [r["id"] for r in api.get("/api/v1/final-reports/").json()["results"]] == [report.pk]
    assert api.get("/api/v1/final-reports/?state=overdue").json()["results"] == []
    assert api.get(f"/api/v1/final-reports/{report.pk}/").status_code == 200
    assert api.put(f"/api/v1/final-reports/{report.pk}/", draft(), format="json").status_code == 404  # not theirs
    submit(report, alice)
    assert [r["id"] for r in api.get("/api/v1/final-reports/?state=submitted").json()["results"]] == [report.pk]
