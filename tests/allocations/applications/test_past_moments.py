"""Services that record a moment take it as ``now``: an event of the past is dated when it happened, and a call
that was open then accepts the draft and the submission made then (a demo history, a late catch-up)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.applications import services
from allocations.applications.workflow import Status
from allocations.models import CallCutoff
from tests.factories import fill_application


def test_a_draft_and_its_submission_of_a_past_moment_are_dated_then(alice, alice_org, call):
    then = timezone.now() - dt.timedelta(days=200)
    call.opens_at = then - dt.timedelta(days=10)
    call.save(update_fields=["opens_at"])
    CallCutoff.objects.filter(call=call).delete()
    CallCutoff.objects.create(call=call, at=then + dt.timedelta(days=5))

    with pytest.raises(ValidationError, match="not open"):
        services.application_create(call=call, organisation=alice_org, by=alice)  # closed today
    draft = services.application_create(call=call, organisation=alice_org, by=alice, now=then)
    fill_application(draft)
    services.application_submit(application_id=draft.pk, by=alice, declaration=True, now=then)
    application = services.application_withdraw(
        application_id=draft.pk, by=alice, now=then + dt.timedelta(days=1), comment="Funded elsewhere"
    )

    assert application.status == Status.WITHDRAWN
    assert list(application.events.values_list("to_status", "created_at")) == [
        (Status.SUBMITTED, then),
        (Status.WITHDRAWN, then + dt.timedelta(days=1)),
    ]
    assert application.submitted_at == then


def test_without_now_an_event_is_dated_by_the_clock(alice, complete_draft):
    before = timezone.now()
    services.application_submit(application_id=complete_draft.pk, by=alice, declaration=True)
    assert complete_draft.events.get().created_at >= before
