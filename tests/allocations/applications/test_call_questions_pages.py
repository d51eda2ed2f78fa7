"""The applicant's side of a designed call: the "Call questions" step, limits checked on the field with an error
summary and no lost values, the document slots, the check-your-answers page and the printable view."""

import re

import pytest

from allocations.applications.calls import services as designer
from allocations.models import Application, QuestionKind
from tests.factories import CallFactory, fill_application
from tests.factories.allocations import pdf_upload


@pytest.fixture
def designed_call(carol):
    call = CallFactory(status="draft", form_version=0, slug="designed")
    nodes = designer.question_save(
        call_id=call.pk,
        by=carol,
        values={
            "kind": QuestionKind.NUMBER,
            "label": "Nodes at peak",
            "min_value": 1,
            "max_value": 64,
            "unit": "nodes",
        },
    )
    designer.question_save(
        call_id=call.pk,
        by=carol,
        values={"kind": QuestionKind.SINGLE_CHOICE, "label": "Framework", "choices": ["PyTorch", "JAX"]},
    )
    designer.slot_save(call_id=call.pk, by=carol, values={"name": "Technical annex", "max_size_mb": 2})
    designer.call_publish(call_id=call.pk, by=carol)
    call.refresh_from_db()
    call.nodes = nodes
    return call


@pytest.fixture
def application(alice, alice_org, designed_call, alice_client):
    response = alice_client.post(f"/calls/{designed_call.slug}/apply/", {"organisation": alice_org.pk})
    assert response.status_code == 302
    return Application.objects.get(call=designed_call)


def test_questions_step_renders_widgets_and_validates(alice_client, application, designed_call):
    url = f"/applications/{application.pk}/edit/questions/"
    page = alice_client.get(url).content.decode()
    assert 'inputmode="decimal"' in page and 'type="radio"' in page and "Between 1 and 64 nodes." in page
    nodes, framework = (q["id"] for q in application.form_version.questions)
    response = alice_client.post(url, {"version": 0, f"q_{nodes}": "65", f"q_{framework}": "JAX", "save": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Give at most 64 nodes." in body
    assert re.search(r'value="JAX"[^>]*checked', body)  # the other answer is kept
    response = alice_client.post(url, {"version": 0, f"q_{nodes}": "16", f"q_{framework}": "JAX", "save": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.answers == {str(nodes): "16", str(framework): "JAX"}


def test_request_above_the_maximum_is_refused_inline_and_keeps_the_other_values(alice_client, application):
    url = f"/applications/{application.pk}/edit/resources/"
    response = alice_client.post(
        url,
        {
            "version": 0,
            "requested_gpu_hours": "5000000",
            "storage_tb": "42",
            "software_stack": "PyTorch 2.6",
            "save": "",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert "Request at most 2,000,000 GPU-hours" in body
    assert 'value="42"' in body and "PyTorch 2.6" in body
    assert 'aria-invalid="true"' in body


def test_document_slots_on_the_attachment_step_and_missing_at_review(alice, alice_client, application):
    fill_application(application)
    application.attachments.all().delete()
    page = alice_client.get(f"/applications/{application.pk}/edit/attachments/").content.decode()
    assert "Technical annex" in page and "PDF only, at most 2 MB." in page
    review = alice_client.get(f"/applications/{application.pk}/edit/review/").content.decode()
    assert "Check your answers" in review and "missing" in review
    slot = application.form_version.document_slots[0]["id"]
    response = alice_client.post(
        f"/applications/{application.pk}/attachments/", {"slot": slot, "file": pdf_upload("not.pdf", b"hello")}
    )
    assert response.status_code == 400 and "This file is not a PDF." in response.content.decode()
    response = alice_client.post(
        f"/applications/{application.pk}/attachments/", {"slot": slot, "file": pdf_upload("annex-v1.pdf")}
    )
    assert response.status_code == 302
    assert application.attachments.get().slot_id == slot


def test_printable_view_for_members_only(alice_client, client, mallory, application):
    page = alice_client.get(f"/applications/{application.pk}/print/").content.decode()
    assert "css/print.css" in page and "Nodes at peak" in page
    client.force_login(mallory)
    assert client.get(f"/applications/{application.pk}/print/").status_code == 404


def test_questions_step_is_absent_without_questions(alice_client, draft):
    assert alice_client.get(f"/applications/{draft.pk}/edit/questions/").status_code == 404
