"""Saving the steps: save and continue, htmx autosave, optimistic locking per section (web, API, threads)."""

import threading

import pytest
from django.db import connection

from allocations.applications import services
from allocations.models import Application, ApplicationMember
from tests.factories import MembershipFactory, UserFactory

PROJECT = {
    "title": "Aurora-7B",
    "acronym": "AUR7",
    "abstract": "An open language model.",
    "ai_domain": "language",
    "keywords": "LLM, Estonian, llm",
}


def test_save_and_continue_goes_to_the_next_step(alice_client, draft):
    response = alice_client.post(f"/applications/{draft.pk}/edit/project/", {**PROJECT, "version": 0, "continue": ""})
    assert response.status_code == 302
    assert response.url == f"/applications/{draft.pk}/edit/team/"
    draft.refresh_from_db()
    assert (draft.title, draft.keywords, draft.project_version) == ("Aurora-7B", ["LLM", "Estonian"], 1)
    page = alice_client.get(response.url).content.decode()
    assert "Saved at" in page


def test_htmx_autosave_returns_the_status_and_the_new_version(alice_client, draft):
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/project/", {**PROJECT, "version": 0}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at" in body
    assert 'id="id_version" value="1" hx-swap-oob="true"' in body


def test_field_errors_use_the_model_messages(alice_client, alice_api, draft):
    too_long = "x" * 2001
    response = alice_client.post(f"/applications/{draft.pk}/edit/project/", {"abstract": too_long, "version": 0})
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.content.decode()
    response = alice_api.patch(
        f"/api/v1/applications/{draft.pk}/", {"abstract": too_long, "project_version": 0}, format="json"
    )
    assert response.status_code == 400
    message = "Ensure this value has at most 2000 characters (it has 2001)."
    assert response.json() == {"abstract": [message], "detail": message, "code": "invalid"}
    assert Application.objects.get(pk=draft.pk).project_version == 0


def test_stale_save_is_refused_and_shows_the_newer_text(alice, alice_client, draft):
    services.application_update(application_id=draft.pk, by=alice, changes={"project": (0, {"title": "Newer title"})})
    response = alice_client.post(f"/applications/{draft.pk}/edit/project/", {**PROJECT, "version": 0})
    assert response.status_code == 409
    page = response.content.decode()
    assert "was changed elsewhere" in page
    assert "Newer title" in page  # the newer saved text is shown
    assert 'value="Aurora-7B"' in page  # the user's text is kept in the form
    assert Application.objects.get(pk=draft.pk).title == "Newer title"
    # Saving again from the page (now at the newer version) replaces it deliberately.
    response = alice_client.post(f"/applications/{draft.pk}/edit/project/", {**PROJECT, "version": 1})
    assert response.status_code == 302
    assert Application.objects.get(pk=draft.pk).title == "Aurora-7B"


def test_stale_autosave_pauses_with_the_newer_text(alice, alice_client, draft):
    services.application_update(application_id=draft.pk, by=alice, changes={"project": (0, {"title": "Newer title"})})
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/project/", {**PROJECT, "version": 0}, headers={"HX-Request": "true"}
    )
    assert response["HX-Trigger"] == "autosaveConflict"
    assert "Newer title" in response.content.decode()
    assert "hx-swap-oob" not in response.content.decode()


def test_sections_lock_independently(alice, draft):
    services.application_update(application_id=draft.pk, by=alice, changes={"project": (0, {"title": "A"})})
    application = services.application_update(
        application_id=draft.pk, by=alice, changes={"resources": (0, {"requested_gpu_hours": 80_000})}
    )
    assert (application.project_version, application.resources_version) == (1, 1)


def test_api_conflict_is_409_with_the_newer_values(alice, alice_api, draft):
    services.application_update(application_id=draft.pk, by=alice, changes={"project": (0, {"title": "Newer"})})
    response = alice_api.patch(
        f"/api/v1/applications/{draft.pk}/", {"title": "Mine", "project_version": 0}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current"]["title"] == "Newer"
    assert body["project_version"] == 1
    response = alice_api.patch(f"/api/v1/applications/{draft.pk}/", {"title": "Mine"}, format="json")
    assert response.status_code == 400
    assert "project_version" in response.json()


def test_two_stale_saves_at_once_one_wins(transactional_db, alice, alice_org):
    from tests.factories import ApplicationFactory

    application = ApplicationFactory(organisation=alice_org, created_by=alice)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(title):
        try:
            barrier.wait()
            services.application_update(
                application_id=application.pk, by=alice, changes={"project": (0, {"title": title})}
            )
            outcomes.append("saved")
        except services.SectionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("From tab one", "From tab two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    application.refresh_from_db()
    assert application.project_version == 1
    assert application.title in {"From tab one", "From tab two"}


def test_team_members_are_saved_without_inviting(
    alice, alice_org, alice_client, draft, django_capture_on_commit_callbacks
):
    colleague = UserFactory(email="kadri@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague)
    data = {
        "version": 0,
        "pi": colleague.pk,
        "members-TOTAL_FORMS": 3,
        "members-INITIAL_FORMS": 0,
        "members-0-email": "alice@aurora-ai.eu",
        "members-0-role": "co_investigator",
        "members-1-email": "jaan@tartu.ee",
        "members-1-role": "engineer",
        "members-2-email": "",
        "members-2-role": "researcher",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(f"/applications/{draft.pk}/edit/team/", data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.pi == colleague
    members = {m.email: m for m in ApplicationMember.objects.filter(application=draft)}
    assert members["alice@aurora-ai.eu"].user == alice
    assert members["jaan@tartu.ee"].user is None
    # Saving records the address only; the invitation is an explicit action (test_team_invitations.py).
    assert not alice_org.invitations.exists()
    assert len(callbacks) == 0


def test_pi_must_be_a_member(alice_client, draft, mallory):
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/team/",
        {"version": 0, "pi": mallory.pk, "members-TOTAL_FORMS": 0, "members-INITIAL_FORMS": 0},
    )
    assert response.status_code == 400
    assert Application.objects.get(pk=draft.pk).pi_id != mallory.pk


def test_preferred_gigafactory_must_belong_to_the_call(alice, draft):
    from tests.factories import GigafactoryFactory

    elsewhere = GigafactoryFactory()
    with pytest.raises(services.ValidationError) as refused:
        services.application_update(
            application_id=draft.pk, by=alice, changes={"resources": (0, {"preferred_gigafactory": elsewhere})}
        )
    assert "preferred_gigafactory" in refused.value.message_dict


def test_start_month_accepts_a_month(alice_client, draft):
    gigafactory = draft.call.gigafactories.get()
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/resources/",
        {
            "version": 0,
            "start_month": "2027-03",
            "requested_gpu_hours": "120000",
            "preferred_gigafactory": gigafactory.pk,
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert str(draft.start_month) == "2027-03-01"
    assert draft.requested_gpu_hours == 120_000


def test_bad_input_never_500(alice_client, alice_api, draft):
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/resources/", {"version": "x", "requested_gpu_hours": "-5"}
    )
    assert response.status_code == 400
    response = alice_api.patch(
        f"/api/v1/applications/{draft.pk}/", {"requested_gpu_hours": -5, "resources_version": 0}, format="json"
    )
    assert response.status_code == 400
    response = alice_client.get(f"/applications/{draft.pk}/edit/nonsense/")
    assert response.status_code == 404


def test_the_team_names_up_to_three_excluded_and_suggested_reviewers(alice, alice_client, draft):
    url = f"/applications/{draft.pk}/edit/team/"
    page = alice_client.get(url)
    assert "People who should not review this application" in page.content.decode()
    team = {"version": 0, "pi": alice.pk, "members-TOTAL_FORMS": 0, "members-INITIAL_FORMS": 0}
    too_many = {**team, "excluded_reviewers": "a@x.eu, b@x.eu, c@x.eu, d@x.eu"}
    response = alice_client.post(url, too_many)
    assert response.status_code == 400 and "Name at most 3 people." in response.content.decode()
    ok = {**team, "excluded_reviewers": "Rival@Lab.eu", "suggested_reviewers": "friend@uni.fi"}
    assert alice_client.post(url, ok).status_code == 302
    draft.refresh_from_db()
    assert (draft.excluded_reviewers, draft.suggested_reviewers) == (["rival@lab.eu"], ["friend@uni.fi"])


def test_an_invalid_field_does_not_lose_the_other_answers_of_the_step(alice_client, draft):
    """A bad start month is shown with its error; the software stack typed on the same page is saved, so leaving
    the page loses nothing (and the next save is not taken for a conflict)."""
    gigafactory = draft.call.gigafactories.get()
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/resources/",
        {
            "version": 0,
            "start_month": "March",
            "software_stack": "PyTorch 2.5, Megatron-LM",
            "preferred_gigafactory": gigafactory.pk,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Your other answers on this page were saved" in page
    assert 'value="March"' in page
    draft.refresh_from_db()
    assert draft.software_stack == "PyTorch 2.5, Megatron-LM"
    assert draft.start_month is None
    assert draft.resources_version == 1
    assert 'name="version" value="1"' in page


def test_autosave_names_the_invalid_field_and_links_to_it(alice_client, draft):
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/resources/",
        {"version": 0, "start_month": "March", "software_stack": "JAX"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200  # htmx swaps 2xx only: the status fragment carries the errors
    assert '<a href="#id_start_month">Start month</a>:' in body
    assert "Saved at" in body and "except:" in body
    assert 'id="id_version" value="1" hx-swap-oob="true"' in body


def test_autosave_names_the_team_member_row_in_error(alice_client, draft):
    response = alice_client.post(
        f"/applications/{draft.pk}/edit/team/",
        {
            "version": 0,
            "members-TOTAL_FORMS": "2",
            "members-INITIAL_FORMS": "0",
            "members-0-email": "kadri@ut.ee",
            "members-0-role": "researcher",
            "members-1-email": "not an address",
            "members-1-role": "researcher",
        },
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_members-1-email">Member 2: Email address</a>: Enter a valid email address.' in body
    assert "check the team members" not in body
