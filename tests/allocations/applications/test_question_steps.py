"""Call questions placed in an existing step of the application form: they render below that step's own fields,
are checked and saved with the step (full save, autosave, partial save), count towards that step's completeness,
and read the same on the check-your-answers page, the printable view and the API wherever they sit."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from rest_framework.test import APIClient

from allocations.applications import selectors, services
from allocations.applications.answer_sheet import answer_sheet
from allocations.applications.calls import services as designer
from allocations.models import Application, QuestionKind, Section
from tests.factories import CallFactory, fill_application


def ask(call, carol, step, **values):
    return designer.question_save(call_id=call.pk, by=carol, values={"required": True, "step": step, **values})


@pytest.fixture
def stepped_call(carol):
    """A call asking the model size in the project step (required number), the code repository in the resources
    step (optional) and the publication of weights in the ethics step (required yes/no): no "Call questions"."""
    call = CallFactory(status="draft", form_version=0, slug="stepped")
    call.model_size = ask(
        call,
        carol,
        Section.PROJECT,
        kind=QuestionKind.NUMBER,
        label="Model size",
        min_value=1,
        max_value=64,
        unit="billion parameters",
    )
    call.repository = ask(
        call, carol, Section.RESOURCES, kind=QuestionKind.URL, label="Code repository", required=False
    )
    call.weights = ask(call, carol, Section.ETHICS, kind=QuestionKind.YES_NO, label="Will you publish the weights?")
    designer.call_publish(call_id=call.pk, by=carol)
    call.refresh_from_db()
    return call


@pytest.fixture
def application(alice_org, stepped_call, alice_client):
    response = alice_client.post(f"/calls/{stepped_call.slug}/apply/", {"organisation": alice_org.pk})
    assert response.status_code == 302
    return Application.objects.get(call=stepped_call)


def edit_url(application, section) -> str:
    return f"/applications/{application.pk}/edit/{section}/"


def test_a_question_renders_below_its_steps_own_fields(alice_client, application, stepped_call):
    page = alice_client.get(edit_url(application, "project")).content.decode()
    field = f'name="q_{stepped_call.model_size.pk}"'
    assert field in page and 'inputmode="decimal"' in page and "Between 1 and 64 billion parameters." in page
    legend = '<legend class="h5">Call questions</legend>'
    assert page.index('name="keywords"') < page.index(legend) < page.index(field)
    assert "Will you publish the weights?" not in page  # that one is asked in its own step
    ethics = alice_client.get(edit_url(application, "ethics")).content.decode()
    assert re.search(r'<fieldset[^>]*>\s*<legend class="form-label fs-6">Will you publish the weights\?', ethics)
    assert 'type="radio"' in ethics and 'aria-required="true"' in ethics


def test_a_step_saves_its_questions_answers_with_its_fields(alice_client, application, stepped_call):
    size = stepped_call.model_size.pk
    response = alice_client.post(
        edit_url(application, "project"), {"version": 0, "title": "Aurora-7B", f"q_{size}": "7", "save": ""}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.title, application.answers, application.project_version) == ("Aurora-7B", {str(size): "7"}, 1)
    assert application.questions_version == 0  # the answer went with the project step
    page = alice_client.get(edit_url(application, "project")).content.decode()
    assert re.search(rf'name="q_{size}"[^>]*value="7"', page)


def test_each_steps_save_keeps_the_answers_of_the_other_steps(alice, alice_client, application, stepped_call):
    size, weights = str(stepped_call.model_size.pk), str(stepped_call.weights.pk)
    alice_client.post(edit_url(application, "project"), {"version": 0, f"q_{size}": "7", "save": ""})
    alice_client.post(edit_url(application, "ethics"), {"version": 0, f"q_{weights}": "no", "save": ""})
    application.refresh_from_db()
    assert application.answers == {size: "7", weights: False}
    api = APIClient()
    api.force_authenticate(alice)
    response = api.patch(
        f"/api/v1/applications/{application.pk}/", {"answers": {size: 8}, "questions_version": 0}, format="json"
    )
    assert response.status_code == 200 and response.json()["answers"] == {size: "8", weights: False}


def test_an_invalid_answer_blocks_the_steps_save_with_a_field_error_and_keeps_the_other_values(
    alice_client, application, stepped_call
):
    size = stepped_call.model_size.pk
    response = alice_client.post(
        edit_url(application, "project"),
        {"version": 0, "title": "Aurora-7B", "acronym": "AURORA", f"q_{size}": "65", "save": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert f'href="#id_q_{size}">Model size: Give at most 64 billion parameters.' in body
    assert re.search(rf'name="q_{size}"[^>]*aria-invalid="true"', body)
    assert 'value="Aurora-7B"' in body and 'value="AURORA"' in body and 'value="65"' in body
    application.refresh_from_db()
    assert (application.title, application.answers, application.project_version) == ("", {}, 0)


def test_a_required_question_left_empty_is_a_gap_of_its_step_not_a_refused_save(alice_client, application):
    # Drafts may be incomplete, as for the step's own fields: the step saves and lists the question as missing.
    response = alice_client.post(edit_url(application, "project"), {"version": 0, "title": "Aurora-7B", "save": ""})
    assert response.status_code == 302
    states = {s.key: s for s in selectors.section_states(Application.objects.get(pk=application.pk))}
    assert "Model size" in states["project"].missing
    assert "Code repository" not in states["resources"].missing  # optional: may stay empty


def test_an_optional_question_may_stay_empty(alice, application, stepped_call):
    fill_application(application)
    services.application_update(
        application_id=application.pk,
        by=alice,
        changes={
            Section.PROJECT: (0, {"answers": {str(stepped_call.model_size.pk): "7"}}),
            Section.ETHICS: (0, {"answers": {str(stepped_call.weights.pk): "yes"}}),
            Section.RESOURCES: (0, {"answers": {str(stepped_call.repository.pk): ""}}),
        },
    )
    application = Application.objects.get(pk=application.pk)
    assert selectors.application_completeness(application).is_complete
    services.application_submit(application_id=application.pk, by=alice, declaration=True)


def test_a_call_with_every_question_in_existing_steps_has_no_call_questions_step(alice_client, application):
    assert Section.QUESTIONS not in selectors.form_steps(application)
    assert alice_client.get(edit_url(application, "questions")).status_code == 404
    page = alice_client.get(edit_url(application, "ethics")).content.decode()
    assert "/edit/questions/" not in page
    assert selectors.application_completeness(application).sections == (
        "project",
        "team",
        "resources",
        "ethics",
        "attachments",
    )
    response = alice_client.post(edit_url(application, "ethics"), {"version": 0, "continue": ""})
    assert response.status_code == 302 and response["Location"] == edit_url(application, "attachments")


def test_the_call_questions_step_appears_when_one_question_sits_there(carol, alice, alice_org, stepped_call):
    ask(stepped_call, carol, Section.QUESTIONS, kind=QuestionKind.SHORT_TEXT, label="Lab acronym")
    designer.call_publish_form_version(call_id=stepped_call.pk, by=carol)
    application = services.application_create(call=stepped_call, organisation=alice_org, by=alice)
    assert Section.QUESTIONS in selectors.form_steps(application)
    states = {s.key: s for s in selectors.section_states(application)}
    assert states["questions"].missing == ["Lab acronym"]
    assert states["project"].missing[-1] == "Model size"


def test_submission_names_a_missing_required_answer_in_its_step(alice, application, stepped_call):
    fill_application(application)
    services.application_update(
        application_id=application.pk,
        by=alice,
        changes={Section.PROJECT: (0, {"answers": {str(stepped_call.model_size.pk): "7"}})},
    )
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(application_id=application.pk, by=alice, declaration=True)
    message = " ".join(excinfo.value.messages)
    assert "Missing: Data and ethics (Will you publish the weights?)." in message
    assert "Model size" not in message and "Call questions" not in message


def test_autosave_saves_the_answers_of_the_step(alice_client, application, stepped_call):
    weights = stepped_call.weights.pk
    response = alice_client.post(
        edit_url(application, "ethics"),
        {"version": 0, "data_sources": "Common Crawl", f"q_{weights}": "yes"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Saved at" in response.content.decode()
    application.refresh_from_db()
    assert application.answers == {str(weights): True} and application.ethics_version == 1
    response = alice_client.post(
        edit_url(application, "ethics"), {"version": 1, f"q_{weights}": "maybe"}, HTTP_HX_REQUEST="true"
    )
    assert "Not saved:" in response.content.decode() and "Answer yes or no." in response.content.decode()
    application.refresh_from_db()
    assert application.answers == {str(weights): True} and application.ethics_version == 1


def test_a_step_with_an_invalid_field_still_saves_its_valid_answers(alice_client, application, stepped_call):
    size = stepped_call.model_size.pk
    response = alice_client.post(
        edit_url(application, "project"),
        {"version": 0, "title": "Aurora-7B", "ai_domain": "astrology", f"q_{size}": "7", "save": ""},
    )
    assert response.status_code == 400
    assert "Your other answers on this page were saved" in response.content.decode()
    application.refresh_from_db()
    assert (application.title, application.answers) == ("Aurora-7B", {str(size): "7"})


def test_a_step_saves_only_its_own_questions_and_the_api_answers_any(alice, application, stepped_call):
    size, weights = str(stepped_call.model_size.pk), str(stepped_call.weights.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.application_update(
            application_id=application.pk, by=alice, changes={Section.PROJECT: (0, {"answers": {weights: "yes"}})}
        )
    assert f"no question {weights}" in excinfo.value.message_dict["answers"][0]

    api = APIClient()
    api.force_authenticate(alice)
    url = f"/api/v1/applications/{application.pk}/"
    response = api.patch(url, {"answers": {size: 65}, "questions_version": 0}, format="json")
    assert response.status_code == 400 and response.json()[f"answers.{size}"] == ["Give at most 64 billion parameters."]
    response = api.patch(url, {"answers": {size: 7, weights: "no"}, "questions_version": 0}, format="json")
    assert response.status_code == 200 and response.json()["answers"] == {size: "7", weights: False}
    steps = {q["label"]: q["step"] for q in APIClient().get("/api/v1/calls/stepped/").json()["questions"]}
    assert steps == {"Model size": "project", "Code repository": "resources", "Will you publish the weights?": "ethics"}


def test_answers_read_in_their_steps_on_the_check_page_and_the_printable_view(alice, alice_client, application):
    fill_application(application)
    questions = {q["label"]: str(q["id"]) for q in application.form_version.questions}
    services.application_update(
        application_id=application.pk,
        by=alice,
        changes={Section.QUESTIONS: (0, {"answers": {questions["Model size"]: "7"}})},
    )
    for url in (edit_url(application, "review"), f"/applications/{application.pk}/print/"):
        page = alice_client.get(url).content.decode()
        project = page[page.index('id="answers-project"') : page.index('id="answers-team"')]
        ethics = page[page.index('id="answers-ethics"') : page.index('id="answers-documents"')]
        assert "Model size" in project and "7 billion parameters" in project
        assert "Will you publish the weights?" in ethics and "missing" in ethics
        assert 'id="answers-questions"' not in page
    review = alice_client.get(edit_url(application, "review")).content.decode()
    assert "/edit/questions/" not in review  # no "Change" link to a step the form does not have


def test_blind_reviewers_read_a_team_questions_answer_but_not_the_team(carol, alice, alice_org):
    call = CallFactory(status="draft", form_version=0, blind_review=True)
    question = ask(call, carol, Section.TEAM, kind=QuestionKind.LONG_TEXT, label="The team's experience")
    designer.call_publish(call_id=call.pk, by=carol)
    application = services.application_create(call=call, organisation=alice_org, by=alice)
    services.application_update(
        application_id=application.pk,
        by=alice,
        changes={Section.TEAM: (0, {"answers": {str(question.pk): "Ten years of speech models."}})},
    )
    application = Application.objects.get(pk=application.pk)
    context = {"application": application, **answer_sheet(application=application)}
    blind = render_to_string("allocations/partials/answers.html", {**context, "blind": True})
    assert "Ten years of speech models." in blind and "The team&#x27;s experience" in blind
    assert alice_org.legal_name not in blind and alice.email not in blind
    seen = render_to_string("allocations/partials/answers.html", context)
    assert alice_org.legal_name in seen and "Ten years of speech models." in seen
