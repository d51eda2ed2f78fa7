"""Two decisions on one request at once: the row lock serialises them, the second finds the request decided."""

import threading

import pytest
from django.db import connections

from allocations.applications.services import TransitionRefused
from allocations.models.changes import ChangeKind, ChangeRequest, ChangeStatus
from allocations.postaward.changes import services
from ledger.models import Transfer
from tests.allocations.postaward.conftest import HOUR


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["approve", "withdraw"])
def test_two_decisions_race_and_one_wins(grant, alice, carol, second):
    request = services.change_request_create(
        grant_id=grant.pk, kind=ChangeKind.SUPPLEMENT, justification="More.", amount_seconds=50 * HOUR, by=alice
    )
    transfers = Transfer.objects.count()
    second_by = carol if second == "approve" else alice
    outcomes = _race(
        lambda: services.change_transition(request_id=request.pk, action="approve", by=carol),
        lambda: services.change_transition(request_id=request.pk, action=second, by=second_by),
    )
    refused = [o for o in outcomes if isinstance(o, TransitionRefused)]
    assert len(refused) == 1, outcomes
    request.refresh_from_db()
    assert request.status in (ChangeStatus.APPROVED, ChangeStatus.WITHDRAWN)
    assert request.events.count() == 2
    moved = Transfer.objects.count() - transfers
    assert moved == (1 if request.status == ChangeStatus.APPROVED else 0)
    grant.refresh_from_db()
    assert grant.granted_seconds == 1_000 * HOUR + (50 * HOUR if moved else 0)
    assert ChangeRequest.objects.count() == 1
