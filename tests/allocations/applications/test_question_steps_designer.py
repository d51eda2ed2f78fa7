"""The call designer places each question in a step of the application form: a select on the question form, shown
in the question list and the preview, checked by the service, frozen with the form version, kept by a clone, a
field of the API's questions; the up/down buttons keep the call's one order."""

import importlib
import re

import pytest
from django.core.exceptions import ValidationError

from allocations.applications.calls import services as designer
from allocations.models import CallQuestion, QuestionKind, QuestionStep
from tests.allocations.applications.test_call_designer import NOW, make
from tests.conftest import staff_api_client


@pytest.fixture
def draft_call(carol):
    return make(carol)


def add(call, carol, **values) -> CallQuestion:
    return designer.question_save(call_id=call.pk, by=carol, values={"kind": QuestionKind.YES_NO, **values})


def test_a_question_goes_to_the_call_questions_step_unless_placed(carol, draft_call):
    assert add(draft_call, carol, label="Q").step == QuestionStep.QUESTIONS
    assert add(draft_call, carol, label="Q", step="resources").step == QuestionStep.RESOURCES
    with pytest.raises(ValidationError) as excinfo:
        add(draft_call, carol, label="Q", step="attachments")
    assert excinfo.value.message_dict["step"] == ["Choose the step of the form that asks it."]
    assert draft_call.questions.count() == 2


def test_the_version_freezes_the_step_and_a_move_to_another_step_is_a_change_of_the_form(carol, draft_call):
    question = add(draft_call, carol, label="Will you publish the weights?", step="ethics")
    add(draft_call, carol, label="Lab acronym", kind=QuestionKind.SHORT_TEXT)
    published = designer.call_publish(call_id=draft_call.pk, by=carol, now=NOW)
    frozen = published.form_versions.get(number=1).questions
    assert [(q["label"], q["step"]) for q in frozen] == [
        ("Will you publish the weights?", "ethics"),
        ("Lab acronym", "questions"),
    ]
    assert not designer.form_has_changes(published)
    designer.question_save(call_id=published.pk, by=carol, values={"step": "project"}, question_id=question.pk)
    assert designer.form_has_changes(published)
    version = designer.call_publish_form_version(call_id=published.pk, by=carol)
    assert version.questions[0]["step"] == "project"


def test_a_clone_keeps_the_steps(carol, draft_call):
    add(draft_call, carol, label="Will you publish the weights?", step="ethics")
    add(draft_call, carol, label="Lab acronym", kind=QuestionKind.SHORT_TEXT)
    clone = designer.call_clone(source_id=draft_call.pk, by=carol, title="Climate models 2028", now=NOW)
    assert list(clone.questions.values_list("label", "step")) == [
        ("Will you publish the weights?", "ethics"),
        ("Lab acronym", "questions"),
    ]


def test_up_and_down_keep_the_calls_one_order_across_steps(carol, draft_call):
    first = add(draft_call, carol, label="First", step="project")
    second = add(draft_call, carol, label="Second")
    third = add(draft_call, carol, label="Third", step="project")
    designer.question_move(call_id=draft_call.pk, question_id=third.pk, up=True, by=carol)
    order = list(designer.working_questions(draft_call).values_list("label", "step"))
    assert order == [("First", "project"), ("Third", "project"), ("Second", "questions")]
    designer.question_move(call_id=draft_call.pk, question_id=first.pk, up=False, by=carol)
    assert [label for label, _step in designer.working_questions(draft_call).values_list("label", "step")] == [
        "Third",
        "First",
        "Second",
    ]
    assert second.pk in designer.working_questions(draft_call).values_list("pk", flat=True)


def test_the_designer_selects_shows_and_previews_the_step(manager, draft_call):
    base = f"/staff/calls/{draft_call.slug}"
    page = manager.get(f"{base}/").content.decode()
    select = re.search(r'<select name="question-step"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None and 'for="id_question-step"' in page
    options = re.findall(r'<option value="(\w+)"', select.group(1))
    assert options == ["project", "team", "resources", "ethics", "questions"]
    assert re.search(r'<option value="questions" selected>', select.group(1))
    response = manager.post(
        f"{base}/questions/",
        {"question-kind": "yes_no", "question-label": "Will you publish the weights?", "question-step": "ethics"},
    )
    assert response.status_code == 302
    question = draft_call.questions.get()
    assert question.step == QuestionStep.ETHICS
    assert "in the step “Data and ethics”" in manager.get(f"{base}/").content.decode()
    edit = manager.get(f"{base}/questions/{question.pk}/").content.decode()
    assert re.search(r'<option value="ethics" selected>', edit)
    preview = manager.get(f"{base}/preview/").content.decode()
    assert re.search(r"<legend[^>]*>In the step “Data and ethics”</legend>", preview)
    response = manager.post(
        f"{base}/questions/{question.pk}/", {"kind": "yes_no", "label": "Will you publish?", "step": "nowhere"}
    )
    assert response.status_code == 400
    question.refresh_from_db()
    assert question.step == QuestionStep.ETHICS
    response = manager.post(f"{base}/questions/{question.pk}/", {"kind": "yes_no", "label": "Will you publish?"})
    assert response.status_code == 302  # a form without the select keeps the step
    question.refresh_from_db()
    assert (question.label, question.step) == ("Will you publish?", QuestionStep.ETHICS)


def test_the_api_takes_and_shows_the_step(carol, draft_call):
    api = staff_api_client(carol)
    url = f"/api/v1/calls/{draft_call.slug}/questions/"
    response = api.post(url, {"kind": "yes_no", "label": "Will you publish?", "step": "ethics"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["step"] == "ethics"
    assert api.post(url, {"kind": "yes_no", "label": "Lab?"}, format="json").json()["step"] == "questions"
    bad = api.post(url, {"kind": "yes_no", "label": "Where?", "step": "review"}, format="json")
    assert bad.status_code == 400 and "step" in bad.json()
    read = api.get(f"/api/v1/calls/{draft_call.slug}/").json()
    assert [(q["label"], q["step"]) for q in read["questions"]] == [
        ("Will you publish?", "ethics"),
        ("Lab?", "questions"),
    ]
    schema = api.get("/api/schema/?format=json").json()
    step = schema["components"]["schemas"]["Question"]["properties"]["step"]
    enum = schema["components"]["schemas"][step["allOf"][0]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert enum == ["project", "team", "resources", "ethics", "questions"]


def test_versions_published_before_steps_keep_their_questions_in_the_call_questions_step(carol, draft_call):
    from django.apps import apps

    migration = importlib.import_module("allocations.migrations.0024_call_question_step")
    add(draft_call, carol, label="Will you publish the weights?")
    published = designer.call_publish(call_id=draft_call.pk, by=carol, now=NOW)
    version = published.form_versions.get(number=1)
    version.questions = [{k: v for k, v in q.items() if k != "step"} for q in version.questions]
    version.save(update_fields=["questions"])
    assert designer.form_has_changes(published)  # what an old version looks like to the new code
    migration.questions_in_their_own_step(apps, None)
    version.refresh_from_db()
    assert version.questions[0]["step"] == "questions"
    assert not designer.form_has_changes(published)
