"""The call designer's API: a call manager creates, publishes and reads a call; an applicant answers its questions
(keyed by question id, with the same validation as the form) and submits."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from allocations.models import Application, CallEvent, CallEventKind
from tests.factories import GigafactoryFactory, fill_application
from tests.factories.allocations import access_mode, pdf_upload


@pytest.fixture
def payload(db):
    gigafactory = GigafactoryFactory(slug="jupiter-ai")
    access_mode("large-scale")
    return {
        "title": "Climate emulators 2027",
        "summary": "Emulate the climate.",
        "access_mode": "large-scale",
        "gigafactories": [gigafactory.slug],
        "opens_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "cutoffs": [(timezone.now() + dt.timedelta(days=30)).isoformat()],
        "criteria": [{"name": "Excellence", "weight": 2, "threshold": 3}],
        "blind_review": True,
        "questions": [{"kind": "number", "label": "Nodes at peak", "min_value": 1, "max_value": 64, "unit": "nodes"}],
        "document_slots": [{"name": "Technical annex", "max_size_mb": 10}],
    }


def test_create_publish_read_and_apply(carol_api, alice, alice_org, payload):
    bad = carol_api.post("/api/v1/calls/", {**payload, "cutoffs": ["2020-01-01T00:00:00Z"]}, format="json")
    assert bad.status_code == 400 and "cutoffs" in bad.json()

    response = carol_api.post("/api/v1/calls/", payload, format="json")
    assert response.status_code == 201, response.json()
    call = response.json()
    assert call["status"] == "draft" and call["blind_review"] is True
    assert [q["label"] for q in call["questions"]] == ["Nodes at peak"]
    slug = call["slug"]

    response = carol_api.patch(f"/api/v1/calls/{slug}/", {"description": "Anonymise your documents."}, format="json")
    assert response.status_code == 200 and response.json()["description"] == "Anonymise your documents."
    assert carol_api.post(f"/api/v1/calls/{slug}/publish/").status_code == 200
    twice = carol_api.post(f"/api/v1/calls/{slug}/publish/")
    assert twice.status_code == 400 and "cannot be published twice" in str(twice.json())
    refused = carol_api.patch(
        f"/api/v1/calls/{slug}/", {"criteria": [{"name": "New", "weight": 1, "threshold": 1}]}, format="json"
    )
    assert refused.status_code == 400 and "rubric cannot change after publishing" in str(refused.json())
    assert CallEvent.objects.filter(call__slug=slug, kind=CallEventKind.PUBLISHED).count() == 1

    public = APIClient().get(f"/api/v1/calls/{slug}/").json()
    assert public["form_version"] == 1
    question_id = public["questions"][0]["id"]
    slot_id = public["document_slots"][0]["id"]

    api = APIClient()
    api.force_authenticate(alice)
    response = api.post("/api/v1/applications/", {"call": slug, "organisation": alice_org.pk}, format="json")
    assert response.status_code == 201
    application = Application.objects.get(pk=response.json()["id"])
    assert response.json()["form_version"] == 1
    fill_application(application)
    application.attachments.all().delete()

    url = f"/api/v1/applications/{application.pk}/"
    response = api.patch(url, {"answers": {str(question_id): 65}, "questions_version": 0}, format="json")
    assert response.status_code == 400
    assert response.json()[f"answers.{question_id}"] == ["Give at most 64 nodes."]
    response = api.patch(url, {"answers": {str(question_id): 16}, "questions_version": 0}, format="json")
    assert response.status_code == 200 and response.json()["answers"] == {str(question_id): "16"}

    missing = api.post(f"{url}submit/", {"declaration": True}, format="json")
    assert missing.status_code == 400 and "Technical annex" in str(missing.json())
    upload = api.post(f"{url}attachments/", {"slot": slot_id, "file": pdf_upload()}, format="multipart")
    assert upload.status_code == 201 and upload.json()["slot"] == slot_id
    submitted = api.post(f"{url}submit/", {"declaration": True}, format="json")
    assert submitted.status_code == 200 and submitted.json()["reference"]


def test_only_call_managers_write(api, alice, payload):
    api.force_authenticate(alice)
    assert api.post("/api/v1/calls/", payload, format="json").status_code == 403
    assert APIClient().post("/api/v1/calls/", payload, format="json").status_code in (401, 403)
