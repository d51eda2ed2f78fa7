"""Submission: every refusal reason through the web form and the API (same message), success, references."""

import contextlib
import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from allocations.applications import services
from allocations.models import Application, ApplicationEvent, CallCutoff, ReferenceCounter, Status
from tests.conftest import emails_queued, queued_tasks, wait_for
from tests.factories import ApplicationFactory, OrganisationFactory, fill_application


def _incomplete(application):
    Application.objects.filter(pk=application.pk).update(abstract="", scaling_evidence="")
    application.attachments.filter(kind="cv").delete()


def _below_bounds(application):
    Application.objects.filter(pk=application.pk).update(requested_gpu_hours=10_000, minimum_gpu_hours=5_000)


def _above_bounds(application):
    Application.objects.filter(pk=application.pk).update(requested_gpu_hours=3_000_000)


def _minimum_above_request(application):
    Application.objects.filter(pk=application.pk).update(requested_gpu_hours=100_000, minimum_gpu_hours=150_000)


def _country(application):
    call = application.call
    call.eligible_countries = ["FI", "DE"]
    call.save()


def _organisation_type(application):
    call = application.call
    call.eligible_organisation_types = ["university", "research"]
    call.save()


def _cutoff_passed(application):
    CallCutoff.objects.filter(call=application.call).update(at=timezone.now() - dt.timedelta(minutes=1))


def _limit(application):
    call = application.call
    call.max_applications_per_organisation = 1
    call.save()
    other = ApplicationFactory(call=call, organisation=application.organisation, created_by=application.created_by)
    fill_application(other)
    services.application_submit(application_id=other.pk, by=application.created_by, declaration=True)


REFUSALS = [
    ("incomplete", _incomplete, None, r"Complete every section before submitting\. Missing: Project \(abstract\)"),
    (
        "below",
        _below_bounds,
        "requested_gpu_hours",
        r"Request at least 50,000 GPU-hours: that is this call(?:'|&#x27;)s minimum",
    ),
    (
        "above",
        _above_bounds,
        "requested_gpu_hours",
        r"Request at most 2,000,000 GPU-hours: that is this call(?:'|&#x27;)s maximum",
    ),
    ("minimum", _minimum_above_request, "minimum_gpu_hours", r"minimum viable GPU-hours \(150,000\) cannot exceed"),
    ("country", _country, None, r"Organisations from Estonia are not eligible for this call"),
    ("type", _organisation_type, None, r"Organisations of type “Start-up” are not eligible for this call"),
    ("cutoff", _cutoff_passed, None, r"The cut-off of this call has passed \(.+ Brussels time\)"),
    ("limit", _limit, None, r"Aurora has reached this call(?:'|&#x27;)s limit of 1 applications per organisation"),
]


@pytest.mark.parametrize(("reason", "arrange", "field", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_through_web_form(alice_client, complete_draft, reason, arrange, field, message):
    arrange(complete_draft)
    response = alice_client.post(f"/applications/{complete_draft.pk}/submit/", {"declaration": "on"})
    assert response.status_code == 400
    assert re.search(message, response.content.decode()), response.content.decode()[-3000:]
    complete_draft.refresh_from_db()
    assert complete_draft.status == Status.DRAFT
    assert complete_draft.reference is None
    assert not ApplicationEvent.objects.filter(application=complete_draft).exists()


@pytest.mark.parametrize(("reason", "arrange", "field", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_through_api(alice_api, complete_draft, reason, arrange, field, message):
    arrange(complete_draft)
    response = alice_api.post(f"/api/v1/applications/{complete_draft.pk}/submit/", {"declaration": True}, format="json")
    assert response.status_code == 400, response.content
    messages = response.json()[field or "non_field_errors"]
    assert any(re.search(message, m) for m in messages), messages
    assert Application.objects.get(pk=complete_draft.pk).status == Status.DRAFT


def test_declaration_required(alice_client, alice_api, complete_draft):
    response = alice_client.post(f"/applications/{complete_draft.pk}/submit/", {})
    assert response.status_code == 400
    assert "Confirm the declaration" in response.content.decode()
    response = alice_api.post(f"/api/v1/applications/{complete_draft.pk}/submit/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["declaration"] == ["Confirm the declaration to submit the application."]


def test_all_reasons_reported_at_once(alice, complete_draft):
    _minimum_above_request(complete_draft)
    _country(complete_draft)
    with pytest.raises(services.ValidationError) as refused:
        services.application_submit(application_id=complete_draft.pk, by=alice, declaration=True)
    assert set(refused.value.message_dict) == {"minimum_gpu_hours", "__all__"}


def test_submit_through_web(alice, alice_client, complete_draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(f"/applications/{complete_draft.pk}/submit/", {"declaration": "on"})
    assert response.status_code == 302
    assert response.url == f"/applications/{complete_draft.pk}/"
    complete_draft.refresh_from_db()
    year = timezone.localdate().year
    assert complete_draft.status == Status.SUBMITTED
    assert complete_draft.reference == f"GAP-{year}-000001"
    assert complete_draft.cutoff == complete_draft.call.cutoffs.get()
    assert len(callbacks) == 1  # the confirmation email, queued on commit
    page = alice_client.get(response.url).content.decode()
    assert f"GAP-{year}-000001" in page
    assert "Draft → Submitted" in page
    # Read-only from now on: the step pages send back to the summary, saves and uploads are refused.
    assert alice_client.get(f"/applications/{complete_draft.pk}/edit/project/").status_code == 302
    response = alice_client.post(
        f"/applications/{complete_draft.pk}/edit/project/", {"version": complete_draft.project_version, "title": "X"}
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=complete_draft.pk).title != "X"


def test_submit_through_api(alice_api, complete_draft):
    response = alice_api.post(f"/api/v1/applications/{complete_draft.pk}/submit/", {"declaration": True}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert re.fullmatch(r"GAP-\d{4}-000001", body["reference"])
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [("draft", "submitted")]
    response = alice_api.patch(
        f"/api/v1/applications/{complete_draft.pk}/", {"title": "Changed", "project_version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "can no longer be changed" in response.json()["non_field_errors"][0]


def test_references_are_gap_free_per_year(alice, alice_org, call):
    applications = [
        fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice)) for _ in range(3)
    ]
    call.max_applications_per_organisation = 5
    call.save()
    Application.objects.filter(pk=applications[1].pk).update(minimum_gpu_hours=10_000_000)
    for application in applications:
        with contextlib.suppress(services.ValidationError):
            services.application_submit(application_id=application.pk, by=alice, declaration=True)
    Application.objects.filter(pk=applications[1].pk).update(minimum_gpu_hours=1_000)
    services.application_submit(application_id=applications[1].pk, by=alice, declaration=True)
    year = timezone.localdate().year
    references = sorted(Application.objects.values_list("reference", flat=True))
    assert references == [f"GAP-{year}-00000{n}" for n in (1, 2, 3)]
    assert ReferenceCounter.objects.get(year=year).last_number == 3
    # A new year starts again at 1.
    next_year = timezone.now().replace(year=year + 1, month=1, day=2)
    other = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice))
    CallCutoff.objects.create(call=call, at=next_year + dt.timedelta(days=30))
    services.application_submit(application_id=other.pk, by=alice, declaration=True, now=next_year)
    assert Application.objects.get(pk=other.pk).reference == f"GAP-{year + 1}-000001"


def test_continuous_call_batches_by_cutoff(alice, alice_org):
    from tests.factories import CallFactory

    now = timezone.now()
    call = CallFactory(is_continuous=True, cutoffs=[now + dt.timedelta(days=d) for d in (3, 17, 31)])
    application = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice))
    services.application_submit(
        application_id=application.pk, by=alice, declaration=True, now=now + dt.timedelta(days=5)
    )
    application.refresh_from_db()
    assert application.cutoff.at == call.cutoffs.all()[1].at


@pytest.mark.celery
def test_two_simultaneous_submits_give_one_submission_and_one_email(celery_worker, alice, alice_org):
    from tests.factories import CallFactory

    call = CallFactory()
    application = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice))
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        try:
            barrier.wait()
            services.application_submit(application_id=application.pk, by=alice, declaration=True)
            outcomes.append("submitted")
        except services.ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    with queued_tasks() as queued:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(outcomes)[1] == "submitted"
    assert "already been submitted" in sorted(outcomes)[0]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert ApplicationEvent.objects.filter(application=application).count() == 1
    assert ReferenceCounter.objects.get().last_number == 1
    # Both threads have committed or rolled back, so everything they queued is in the outbox: one email.
    assert len(emails_queued(queued)) == 1
    wait_for(lambda: len(mail.outbox) >= 1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@aurora-ai.eu"]
    assert application.reference in message.subject
    assert application.reference in message.body


def test_organisation_limit_holds_under_concurrent_submits(transactional_db, alice, alice_org):
    from tests.factories import CallFactory

    call = CallFactory(max_applications_per_organisation=1)
    applications = [
        fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice)) for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(application):
        try:
            barrier.wait()
            services.application_submit(application_id=application.pk, by=alice, declaration=True)
            outcomes.append("submitted")
        except services.ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("submitted") == 1
    assert Application.objects.filter(status=Status.SUBMITTED).count() == 1


def test_organisation_of_another_country_is_eligible_elsewhere(alice, call):
    other = OrganisationFactory(country="FI")
    assert other.country.code == "FI"
