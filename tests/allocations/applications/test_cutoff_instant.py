"""The cut-off is an instant, judged in the submit's transaction by the database clock: under concurrency one
submit just before it is taken and one just after is refused with the reason; a submit that started before the
cut-off but got its row after it is refused too."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from allocations.applications import services
from allocations.models import Application, CallCutoff, Status
from tests.conftest import wait_for
from tests.factories import ApplicationFactory, CallFactory, fill_application

pytestmark = pytest.mark.django_db(transaction=True)


def _drafts(alice, alice_org, count: int):
    call = CallFactory(max_applications_per_organisation=5)
    return call, [
        fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice)) for _ in range(count)
    ]


def _submit(application, by, outcomes: dict, barrier=None, now=None):
    try:
        if barrier is not None:
            barrier.wait()
        services.application_submit(application_id=application.pk, by=by, declaration=True, now=now)
        outcomes[application.pk] = "submitted"
    except services.ValidationError as exc:
        outcomes[application.pk] = " ".join(exc.messages)
    finally:
        connection.close()


def test_one_submit_just_before_and_one_just_after_the_cut_off_at_once(alice, alice_org):
    call, (before, after) = _drafts(alice, alice_org, 2)
    cutoff = call.cutoffs.get().at
    barrier = threading.Barrier(2)
    outcomes: dict = {}
    threads = [
        threading.Thread(
            target=_submit, args=(before, alice, outcomes, barrier, cutoff - dt.timedelta(microseconds=1))
        ),
        threading.Thread(target=_submit, args=(after, alice, outcomes, barrier, cutoff)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes[before.pk] == "submitted"
    assert "cut-off of this call has passed" in outcomes[after.pk]
    assert Application.objects.get(pk=before.pk).submitted_at < cutoff
    assert Application.objects.get(pk=after.pk).status == Status.DRAFT
    assert Application.objects.filter(status=Status.SUBMITTED).count() == 1


def test_a_submit_that_waited_for_its_row_past_the_cut_off_is_refused(alice, alice_org):
    call, (draft,) = _drafts(alice, alice_org, 1)
    cutoff = timezone.now() + dt.timedelta(seconds=1)
    CallCutoff.objects.filter(call=call).update(at=cutoff)
    outcomes: dict = {}
    holding = threading.Event()
    release = threading.Event()

    def hold_the_row():
        with transaction.atomic():
            Application.objects.select_for_update().get(pk=draft.pk)  # an autosave in flight, say
            holding.set()
            release.wait(timeout=30)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    holding.wait(timeout=10)
    submitter = threading.Thread(target=_submit, args=(draft, alice, outcomes))
    submitter.start()  # starts before the cut-off, then waits for the row
    wait_for(lambda: timezone.now() > cutoff, timeout=5)
    release.set()
    holder.join(timeout=30)
    submitter.join(timeout=30)
    assert "cut-off of this call has passed" in outcomes[draft.pk]
    assert Application.objects.get(pk=draft.pk).status == Status.DRAFT
