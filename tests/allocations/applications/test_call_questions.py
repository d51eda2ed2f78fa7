"""Per-call questions and document slots: the designer's rules, every question type (valid, invalid, missing
when required), versioned forms, and the resources step's limits checked when saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.applications import selectors, services
from allocations.applications.calls import services as designer
from allocations.models import Application, CallFormVersion, QuestionKind, Section
from tests.factories import ApplicationFactory, CallFactory, fill_application
from tests.factories.allocations import pdf_bytes, pdf_upload

QUESTIONS = {
    QuestionKind.SHORT_TEXT: ({"max_length": 10}, "Llama-3", "x" * 11),
    QuestionKind.LONG_TEXT: ({"word_limit": 3}, "one two three", "one two three four"),
    QuestionKind.NUMBER: ({"min_value": 1, "max_value": 64, "unit": "nodes"}, "12.5", "65"),
    QuestionKind.SINGLE_CHOICE: ({"choices": ["PyTorch", "JAX"]}, "JAX", "TensorFlow"),
    QuestionKind.MULTIPLE_CHOICE: ({"choices": ["Text", "Images", "Audio"]}, ["Audio", "Text"], ["Video"]),
    QuestionKind.YES_NO: ({}, "yes", "maybe"),
    QuestionKind.DATE: ({}, "2027-03-31", "31/03/2027"),
    QuestionKind.URL: ({}, "https://aurora-ai.eu/model", "ftp://aurora-ai.eu"),
}
NORMALISED = {
    QuestionKind.NUMBER: "12.5",
    QuestionKind.MULTIPLE_CHOICE: ["Text", "Audio"],
    QuestionKind.YES_NO: True,
}


@pytest.fixture
def draft_call(carol):
    return CallFactory(status="draft", form_version=0)


def publish(call, carol):
    designer.call_publish(call_id=call.pk, by=carol)
    call.refresh_from_db()
    return call


def add_question(call, carol, kind, **extra):
    return designer.question_save(
        call_id=call.pk, by=carol, values={"kind": kind, "label": f"Question {kind}", "required": True, **extra}
    )


def save_answers(application, by, answers):
    return services.application_update(
        application_id=application.pk,
        by=by,
        changes={Section.QUESTIONS: (application.questions_version, {"answers": answers})},
    )


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_each_question_type_valid_invalid_and_missing(carol, alice, alice_org, draft_call, kind):
    settings, valid, invalid = QUESTIONS[kind]
    question = add_question(draft_call, carol, kind, **settings)
    publish(draft_call, carol)
    application = ApplicationFactory(call=draft_call, organisation=alice_org, created_by=alice)
    fill_application(application)
    application = Application.objects.get(call=draft_call)
    assert application.form_version.number == 1
    key = str(question.pk)

    with pytest.raises(ValidationError) as excinfo:
        save_answers(application, alice, {key: invalid})
    assert f"q_{key}" in excinfo.value.message_dict
    application.refresh_from_db()
    assert key not in application.answers

    # Missing when required: submission is refused and names the question.
    with pytest.raises(ValidationError, match=f"Question {kind}"):
        services.application_submit(application_id=application.pk, by=alice, declaration=True)

    save_answers(application, alice, {key: valid})
    application.refresh_from_db()
    expected = NORMALISED.get(kind, valid.strip() if isinstance(valid, str) else valid)
    assert application.answers[key] == expected
    services.application_submit(application_id=application.pk, by=alice, declaration=True)
    application.refresh_from_db()
    assert application.reference


def test_an_optional_question_may_stay_unanswered(carol, alice, alice_org, draft_call):
    add_question(draft_call, carol, QuestionKind.URL, required=False)
    publish(draft_call, carol)
    application = ApplicationFactory(call=draft_call, organisation=alice_org, created_by=alice)
    fill_application(application)
    services.application_submit(application_id=application.pk, by=alice, declaration=True)


def test_saving_some_answers_keeps_the_others(carol, alice, alice_org, draft_call):
    first = add_question(draft_call, carol, QuestionKind.YES_NO)
    second = add_question(draft_call, carol, QuestionKind.DATE)
    publish(draft_call, carol)
    application = services.application_create(call=draft_call, organisation=alice_org, by=alice)
    application = save_answers(application, alice, {str(first.pk): "yes"})
    save_answers(application, alice, {str(second.pk): "2027-03-31"})
    application.refresh_from_db()
    assert application.answers == {str(first.pk): True, str(second.pk): "2027-03-31"}


def test_unknown_question_ids_are_refused(carol, alice, alice_org, draft_call):
    add_question(draft_call, carol, QuestionKind.YES_NO)
    publish(draft_call, carol)
    application = ApplicationFactory(call=draft_call, organisation=alice_org, created_by=alice)
    with pytest.raises(ValidationError) as excinfo:
        save_answers(application, alice, {"999999": "yes"})
    assert "no question 999999" in excinfo.value.message_dict["answers"][0]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": QuestionKind.SHORT_TEXT, "label": ""}, "label"),
        ({"kind": "essay", "label": "Q"}, "kind"),
        ({"kind": QuestionKind.SHORT_TEXT, "label": "Q", "max_length": 0}, "max_length"),
        ({"kind": QuestionKind.LONG_TEXT, "label": "Q", "word_limit": 0}, "word_limit"),
        ({"kind": QuestionKind.NUMBER, "label": "Q", "min_value": 5, "max_value": 1}, "max_value"),
        ({"kind": QuestionKind.SINGLE_CHOICE, "label": "Q", "choices": ["Only one"]}, "choices"),
        ({"kind": QuestionKind.MULTIPLE_CHOICE, "label": "Q", "choices": ["A", "A"]}, "choices"),
    ],
    ids=["label", "kind", "max-length", "word-limit", "min-above-max", "one-choice", "duplicate-choice"],
)
def test_designer_refuses_bad_questions(carol, draft_call, values, field):
    with pytest.raises(ValidationError) as excinfo:
        designer.question_save(call_id=draft_call.pk, by=carol, values=values)
    assert field in excinfo.value.message_dict
    assert not draft_call.questions.exists()


def test_settings_that_do_not_apply_to_the_kind_are_cleared(carol, draft_call):
    question = designer.question_save(
        call_id=draft_call.pk,
        by=carol,
        values={"kind": QuestionKind.YES_NO, "label": "Q", "choices": ["A", "B"], "max_length": 5, "unit": "kg"},
    )
    question.refresh_from_db()
    assert (question.choices, question.max_length, question.unit) == ([], None, "")


def test_questions_move_up_and_down(carol, draft_call):
    first = add_question(draft_call, carol, QuestionKind.YES_NO)
    second = add_question(draft_call, carol, QuestionKind.DATE)
    designer.question_move(call_id=draft_call.pk, question_id=second.pk, up=True, by=carol)
    assert list(designer.working_questions(draft_call).values_list("pk", flat=True)) == [second.pk, first.pk]
    designer.question_move(call_id=draft_call.pk, question_id=second.pk, up=False, by=carol)
    assert list(designer.working_questions(draft_call).values_list("pk", flat=True)) == [first.pk, second.pk]


def test_new_form_version_applies_to_drafts_started_afterwards(carol, alice, alice_org, draft_call):
    q1 = add_question(draft_call, carol, QuestionKind.YES_NO)
    publish(draft_call, carol)
    earlier = services.application_create(call=draft_call, organisation=alice_org, by=alice)
    save_answers(earlier, alice, {str(q1.pk): "no"})

    with pytest.raises(ValidationError, match="as in version 1"):
        designer.call_publish_form_version(call_id=draft_call.pk, by=carol)
    q2 = add_question(draft_call, carol, QuestionKind.NUMBER, min_value=1)
    designer.question_remove(call_id=draft_call.pk, question_id=q1.pk, by=carol)
    version = designer.call_publish_form_version(call_id=draft_call.pk, by=carol)
    assert version.number == 2
    q1.refresh_from_db()
    assert q1.retired  # it was published, so it stays for the applications answering version 1

    later = services.application_create(call=draft_call, organisation=alice_org, by=alice)
    assert later.form_version.number == 2
    earlier.refresh_from_db()
    assert earlier.form_version.number == 1
    assert [q["id"] for q in earlier.form_version.questions] == [q1.pk]
    assert [q["id"] for q in later.form_version.questions] == [q2.pk]
    with pytest.raises(ValidationError):
        save_answers(later, alice, {str(q1.pk): "yes"})
    assert CallFormVersion.objects.filter(call=draft_call).count() == 2


def test_document_slots_size_limit_and_missing_at_submission(carol, alice, alice_org, draft_call):
    with pytest.raises(ValidationError) as excinfo:
        designer.slot_save(call_id=draft_call.pk, by=carol, values={"name": "", "max_size_mb": 0})
    assert {"name", "max_size_mb"} <= set(excinfo.value.message_dict)
    slot = designer.slot_save(call_id=draft_call.pk, by=carol, values={"name": "Technical annex", "max_size_mb": 1})
    designer.slot_save(call_id=draft_call.pk, by=carol, values={"name": "Letter", "required": False})
    publish(draft_call, carol)
    application = services.application_create(call=draft_call, organisation=alice_org, by=alice)
    fill_application(application)
    application.attachments.all().delete()
    states = {s.key: s for s in selectors.section_states(Application.objects.get(pk=application.pk))}
    assert states["attachments"].missing == ["Technical annex"]
    with pytest.raises(ValidationError, match="Technical annex"):
        services.application_submit(application_id=application.pk, by=alice, declaration=True)

    big = pdf_bytes() + b"%" * (1024 * 1024)
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.attachment_add(
            application_id=application.pk, kind="", upload=pdf_upload(data=big), by=alice, slot_id=slot.pk
        )
    with pytest.raises(ValidationError) as excinfo:
        services.attachment_add(application_id=application.pk, kind="", upload=pdf_upload(), by=alice, slot_id=123456)
    assert "slot" in excinfo.value.message_dict
    services.attachment_add(application_id=application.pk, kind="", upload=pdf_upload(), by=alice, slot_id=slot.pk)
    services.attachment_add(
        application_id=application.pk, kind="", upload=pdf_upload("v2.pdf"), by=alice, slot_id=slot.pk
    )
    assert list(application.attachments.values_list("original_name", flat=True)) == ["v2.pdf"]
    services.application_submit(application_id=application.pk, by=alice, declaration=True)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"requested_gpu_hours": 3_000_000}, "requested_gpu_hours", "Request at most 2,000,000 GPU-hours"),
        ({"requested_gpu_hours": 10}, "requested_gpu_hours", "Request at least 50,000 GPU-hours"),
        ({"requested_gpu_hours": 100_000, "minimum_gpu_hours": 200_000}, "minimum_gpu_hours", "cannot exceed"),
        ({"duration_months": 5}, "duration_months", "allows projects of 3, 6, 12 months"),
    ],
    ids=["above-max", "below-min", "minimum-above-request", "duration"],
)
def test_resources_limits_are_checked_when_saved(alice, draft, values, field, message):
    call = draft.call
    call.allowed_durations_months = [3, 6, 12]
    call.save()
    with pytest.raises(ValidationError) as excinfo:
        services.application_update(
            application_id=draft.pk, by=alice, changes={Section.RESOURCES: (0, {"storage_tb": 5, **values})}
        )
    assert message in excinfo.value.message_dict[field][0]
    draft.refresh_from_db()
    assert draft.storage_tb is None and draft.resources_version == 0


def test_cutoff_helper_is_timezone_aware():
    now = timezone.now()
    from allocations.applications.calls.services.rules import cutoff_errors

    assert cutoff_errors([now + dt.timedelta(days=1)], now=now) == []
    assert cutoff_errors([dt.datetime(2030, 1, 1)], now=now)
