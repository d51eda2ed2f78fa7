"""An overdue final report bars its PI from submitting new applications, with the reason and a link to the report,
by the page and the API; submitting the report lifts the bar. A report not yet due bars nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.applications import services as application_services
from allocations.models import Application, Status
from allocations.models.reports import FinalReport
from allocations.postaward.reports import services
from tests.allocations.postaward.test_final_reports import save
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory, fill_application

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def overdue(report):
    FinalReport.objects.filter(pk=report.pk).update(due_on=YESTERDAY)
    report.refresh_from_db()
    return report


@pytest.fixture
def new_draft(alice, alice_org, call):
    return fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice, pi=alice))


def test_an_overdue_report_refuses_the_submission_until_it_is_submitted(overdue, new_draft, alice):
    with pytest.raises(ValidationError) as refused:
        application_services.application_submit(application_id=new_draft.pk, by=alice, declaration=True)
    (message,) = refused.value.messages
    reference = overdue.award.application.reference
    assert f"The final report for {reference} was due on" in message
    assert f"http://127.0.0.1:8000/final-reports/{overdue.pk}/" in message
    assert Application.objects.get(pk=new_draft.pk).status == Status.DRAFT

    save(overdue, alice)
    services.final_report_submit(report_id=overdue.pk, by=alice)
    application_services.application_submit(application_id=new_draft.pk, by=alice, declaration=True)
    assert Application.objects.get(pk=new_draft.pk).status == Status.SUBMITTED


def test_a_report_not_yet_due_bars_nothing(report, new_draft, alice):
    assert report.due_on >= timezone.localdate()
    application_services.application_submit(application_id=new_draft.pk, by=alice, declaration=True)


def test_the_bar_follows_the_pi_whoever_submits(overdue, alice, alice_org, call):
    colleague = UserFactory(email="kadri@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague, role="owner")
    named_pi = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=colleague, pi=alice))
    with pytest.raises(ValidationError, match="final report"):  # the colleague submits, alice is the PI
        application_services.application_submit(application_id=named_pi.pk, by=colleague, declaration=True)
    own = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=colleague, pi=colleague))
    with pytest.raises(ValidationError, match="final report"):  # alice submits a colleague's project
        application_services.application_submit(application_id=own.pk, by=alice, declaration=True)
    application_services.application_submit(application_id=own.pk, by=colleague, declaration=True)


def test_the_review_page_links_the_overdue_report_and_the_submit_says_why(overdue, new_draft, alice, client):
    client.force_login(alice)
    page = client.get(f"/applications/{new_draft.pk}/edit/review/")
    assert page.status_code == 200
    assert f'href="/final-reports/{overdue.pk}/"' in page.content.decode()
    refused = client.post(f"/applications/{new_draft.pk}/submit/", {"declaration": "on"})
    assert refused.status_code == 400
    assert "was due on" in refused.content.decode()


def test_the_api_refuses_with_the_reason(overdue, new_draft, alice):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    response = api.post(f"/api/v1/applications/{new_draft.pk}/submit/", {"declaration": True}, format="json")
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert f"/final-reports/{overdue.pk}/" in message
