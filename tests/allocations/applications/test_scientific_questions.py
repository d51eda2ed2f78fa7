"""Scientific questions: a call manager marks a question whose answers say what an application is about (they are
used to match reviewers). The mark is kept for text and choice questions only, frozen with the form version, kept
by a clone, and set and shown by the designer's pages and its API."""

import importlib
import re

import pytest

from allocations.applications.calls import services as designer
from allocations.models import CallQuestion, QuestionKind
from tests.allocations.applications.test_call_designer import NOW, make
from tests.conftest import staff_api_client


@pytest.fixture
def draft_call(carol):
    return make(carol)


def add(call, carol, **values) -> CallQuestion:
    return designer.question_save(call_id=call.pk, by=carol, values={"label": "Q", **values})


def test_the_mark_is_kept_for_text_and_choice_questions_only(carol, draft_call):
    kept = [
        add(draft_call, carol, kind=QuestionKind.SHORT_TEXT, scientific=True),
        add(draft_call, carol, kind=QuestionKind.LONG_TEXT, scientific=True),
        add(draft_call, carol, kind=QuestionKind.SINGLE_CHOICE, choices=["Text", "Audio"], scientific=True),
        add(draft_call, carol, kind=QuestionKind.MULTIPLE_CHOICE, choices=["Text", "Audio"], scientific=True),
    ]
    cleared = [
        add(draft_call, carol, kind=kind, scientific=True)
        for kind in (QuestionKind.NUMBER, QuestionKind.YES_NO, QuestionKind.DATE, QuestionKind.URL)
    ]
    assert all(q.scientific for q in kept)
    assert not any(q.scientific for q in cleared)
    assert not add(draft_call, carol, kind=QuestionKind.SHORT_TEXT).scientific  # off unless ticked


def test_the_version_freezes_the_mark_and_a_change_of_it_is_a_change_of_the_form(carol, draft_call):
    question = add(draft_call, carol, kind=QuestionKind.LONG_TEXT, label="Describe your data", scientific=True)
    add(draft_call, carol, kind=QuestionKind.SHORT_TEXT, label="Acronym of your lab")
    published = designer.call_publish(call_id=draft_call.pk, by=carol, now=NOW)
    frozen = published.form_versions.get(number=1).questions
    assert [(q["label"], q["scientific"]) for q in frozen] == [
        ("Describe your data", True),
        ("Acronym of your lab", False),
    ]
    assert not designer.form_has_changes(published)
    designer.question_save(call_id=published.pk, by=carol, values={"scientific": False}, question_id=question.pk)
    assert designer.form_has_changes(published)


def test_a_clone_keeps_the_mark(carol, draft_call):
    add(draft_call, carol, kind=QuestionKind.LONG_TEXT, label="Describe your data", scientific=True)
    add(draft_call, carol, kind=QuestionKind.SHORT_TEXT, label="Acronym of your lab")
    clone = designer.call_clone(source_id=draft_call.pk, by=carol, title="Climate models 2028", now=NOW)
    assert list(clone.questions.values_list("label", "scientific")) == [
        ("Describe your data", True),
        ("Acronym of your lab", False),
    ]


def test_the_designer_ticks_and_shows_the_mark(manager, draft_call):
    base = f"/staff/calls/{draft_call.slug}"
    page = manager.get(f"{base}/").content.decode()
    assert 'name="question-scientific"' in page and 'type="checkbox"' in page
    response = manager.post(
        f"{base}/questions/",
        {"question-kind": "long_text", "question-label": "Describe your data", "question-scientific": "on"},
    )
    assert response.status_code == 302
    question = draft_call.questions.get()
    assert question.scientific
    assert "scientific: used to match reviewers" in manager.get(f"{base}/").content.decode()
    edit = manager.get(f"{base}/questions/{question.pk}/").content.decode()
    assert re.search(r'<input type="checkbox" name="scientific"[^>]* checked', edit)
    response = manager.post(f"{base}/questions/{question.pk}/", {"kind": "long_text", "label": "Describe your data"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert not question.scientific


def test_the_api_takes_and_shows_the_mark(carol, draft_call):
    api = staff_api_client(carol)
    url = f"/api/v1/calls/{draft_call.slug}/questions/"
    response = api.post(url, {"kind": "long_text", "label": "Describe your data", "scientific": True}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["scientific"] is True
    plain = api.post(url, {"kind": "short_text", "label": "Acronym of your lab"}, format="json").json()
    assert plain["scientific"] is False
    read = api.get(f"/api/v1/calls/{draft_call.slug}/").json()
    assert [(q["label"], q["scientific"]) for q in read["questions"]] == [
        ("Describe your data", True),
        ("Acronym of your lab", False),
    ]
    schema = api.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Question"]["properties"]["scientific"]["type"] == "boolean"


def test_versions_published_before_the_mark_get_it_unticked(carol, draft_call):
    from django.apps import apps

    migration = importlib.import_module("allocations.migrations.0023_call_question_scientific")
    add(draft_call, carol, kind=QuestionKind.LONG_TEXT, label="Describe your data")
    published = designer.call_publish(call_id=draft_call.pk, by=carol, now=NOW)
    version = published.form_versions.get(number=1)
    version.questions = [{k: v for k, v in q.items() if k != "scientific"} for q in version.questions]
    version.save(update_fields=["questions"])
    assert designer.form_has_changes(published)  # what an old version looks like to the new code
    migration.questions_not_scientific(apps, None)
    version.refresh_from_db()
    assert version.questions[0]["scientific"] is False
    assert not designer.form_has_changes(published)


def test_scientific_answers_are_the_texts_and_choice_labels_in_form_order():
    from allocations.applications.answers import scientific_answers

    questions = [
        {"id": 3, "position": 2, "kind": "multiple_choice", "scientific": True},
        {"id": 1, "position": 1, "kind": "long_text", "scientific": True},
        {"id": 2, "position": 3, "kind": "short_text", "scientific": False},
        {"id": 4, "position": 4, "kind": "single_choice", "scientific": True},
        {"id": 5, "position": 5, "kind": "number", "scientific": True},  # not a text: never used
        {"id": 6, "position": 6, "kind": "short_text"},  # frozen before the mark existed
    ]
    answers = {"1": "Speech for Sami.", "2": "AUR", "3": ["Text", "Audio"], "4": "", "5": "12", "6": "x"}
    assert scientific_answers(questions, answers) == ["Speech for Sami.", "Text, Audio"]
    assert scientific_answers(questions, {}) == []
