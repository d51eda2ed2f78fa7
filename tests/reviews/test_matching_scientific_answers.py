"""The answers to a call's scientific questions are part of the text reviewers are matched on: they change the
content hash (so the affinities are computed again) and can change who is suggested; the answers to the other
questions change nothing."""

import pytest

from allocations.applications.calls import services as designer
from allocations.models import AIDomain, Application, QuestionKind
from reviews import affinity, selectors
from reviews.tasks import compute_affinities
from tests.factories import CallFactory, reviewer
from tests.factories.reviews import passed_check, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions_call(carol):
    """A call asking what the project is about (scientific), its data modalities (scientific, choices) and the lab's
    acronym (not scientific)."""
    call = CallFactory(status="draft", form_version=0, title="Large Scale: speech 2027", slug="speech-2027")
    ask = lambda **values: designer.question_save(call_id=call.pk, by=carol, values={"required": False, **values})  # noqa: E731
    questions = {
        "about": ask(kind=QuestionKind.LONG_TEXT, label="What will you train?", scientific=True),
        "modalities": ask(
            kind=QuestionKind.MULTIPLE_CHOICE, label="Data modalities", choices=["Text", "Audio"], scientific=True
        ),
        "acronym": ask(kind=QuestionKind.SHORT_TEXT, label="Acronym of your lab"),
    }
    designer.call_publish(call_id=call.pk, by=carol)
    call.refresh_from_db()
    return call, {name: str(q.pk) for name, q in questions.items()}


@pytest.fixture
def speech_reviewer(_platform_groups):
    """A reviewer of language models who works on speech: no better than the others on alice's title alone."""
    user = reviewer("saara@oulu.fi", expertise=[AIDomain.LANGUAGE], keywords=["speech"])
    user.reviewer_profile.research_interests = "Acoustic models and speech recognition for Sami and Karelian."
    user.reviewer_profile.save()
    return user


def answered(call, alice, alice_org, carol, answers) -> Application:
    return passed_check(submitted_application(call=call, organisation=alice_org, pi=alice, answers=answers), by=carol)


def digest(call) -> str:
    return affinity.content_hash(*selectors.affinity_documents(call=call))


def test_scientific_answers_change_the_hash_and_the_others_do_not(questions_call, alice, alice_org, carol, bob):
    call, q = questions_call
    application = answered(call, alice, alice_org, carol, {q["acronym"]: "AUR"})
    before = digest(call)
    (document,), _reviewers = selectors.affinity_documents(call=call)
    assert "AUR" not in document.text

    Application.objects.filter(pk=application.pk).update(answers={q["acronym"]: "BALTIC-LAB"})
    assert digest(call) == before

    Application.objects.filter(pk=application.pk).update(
        answers={q["acronym"]: "BALTIC-LAB", q["about"]: "Speech recognition.", q["modalities"]: ["Text", "Audio"]}
    )
    (document,), _reviewers = selectors.affinity_documents(call=call)
    assert "Speech recognition." in document.text and "Text, Audio" in document.text
    assert "BALTIC-LAB" not in document.text
    assert digest(call) != before


def test_a_scientific_answer_can_change_who_is_suggested(
    questions_call, alice, alice_org, carol, bob, dave, speech_reviewer
):
    call, q = questions_call
    application = answered(call, alice, alice_org, carol, {q["acronym"]: "AUR"})
    compute_affinities(call.pk)
    without = {s.reviewer for s in selectors.assignment_suggestion(call=call)}
    assert speech_reviewer not in without

    about = "Speech recognition and acoustic models for Sami, Karelian and other Finno-Ugric languages."
    Application.objects.filter(pk=application.pk).update(answers={q["acronym"]: "AUR", q["about"]: about})
    assert not selectors.suggestion_report(call=call).text_affinity  # stale until the task runs again
    compute_affinities(call.pk)
    report = selectors.suggestion_report(call=call)
    chosen = {s.reviewer: s for s in report.suggestions}
    assert speech_reviewer in chosen
    assert "acoustic models" in chosen[speech_reviewer].terms or "speech recognition" in chosen[speech_reviewer].terms
