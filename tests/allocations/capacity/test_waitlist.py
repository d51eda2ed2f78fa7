"""The live waitlist: hours that come back to a pool (a declined offer) are offered by "fill from waitlist" to the
next candidates in rank order (panel-waitlisted applications and approved ones a run could not fit), and the
waitlisted applicant sees their position and that they may still get an offer."""

import pytest
from django.urls import reverse

from allocations.applications.workflow import Status
from allocations.capacity import services
from allocations.capacity.selectors import awards as award_selectors
from allocations.capacity.tasks import fill_from_waitlist
from allocations.models import Application
from allocations.models.capacity import AllocationRun, Grant, GrantStatus, RunStatus
from reviews.models import PanelDecision
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import login_staff, queued_tasks, wait_for
from tests.factories import approved_application


def _panel_waitlisted(call, *, requested: int, minimum: int, rank: int) -> Application:
    application = approved_application(call=call, requested=requested, minimum=minimum)
    application.status = Status.WAITLISTED
    application.save(update_fields=["status"])
    PanelDecision.objects.create(
        application=application,
        decision=Status.WAITLISTED,
        rank=rank,
        justification="Good, but below the line.",
        decided_by=application.pi,
    )
    return application


def _committed_run(pool, carol) -> AllocationRun:
    """rank_greedy over pool_setup: the first gets 50,000 h, the second (30,000, min 20,000) does not fit the
    19,984 h left, the third gets them, the fourth is left without."""
    run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
    if run.status == RunStatus.QUEUED:
        services.run_execute(run_id=run.pk)
    return services.run_commit(run_id=run.pk, by=carol)


def _decline_first(pool_setup) -> None:
    first = pool_setup["apps"][0]
    grant = Grant.objects.get(application=first)
    services.offer_respond(grant_id=grant.pk, accept=False, by=first.pi)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_declined_offer_is_filled_from_the_waitlist_in_rank_order_by_a_real_worker(
    celery_worker, pool_setup, carol, call
):
    pool = pool_setup["pool"]
    first, second, third, fourth = pool_setup["apps"]
    run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
    wait_for(lambda: AllocationRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, timeout=30)
    services.run_commit(run_id=run.pk, by=carol)
    waitlisted = _panel_waitlisted(call, requested=18_000, minimum=18_000, rank=3)
    assert balance(pool.account) == 0

    _decline_first(pool_setup)
    assert balance(pool.account) == 50_000 * HOUR  # the declined offer's hours are back in the pool

    fill = services.waitlist_fill(pool=pool, by=carol)
    wait_for(lambda: AllocationRun.objects.get(pk=fill.pk).status == RunStatus.COMMITTED, timeout=30)
    granted = dict(Grant.objects.filter(run=fill).values_list("application_id", "granted_seconds"))
    # Rank order: the second (30,000 h) and the panel-waitlisted third-ranked (18,000 h) fit; the 2,000 h left are
    # below the fourth's minimum of 5,000 h.
    assert granted == {second.pk: 30_000 * HOUR, waitlisted.pk: 18_000 * HOUR}
    assert balance(pool.account) == 2_000 * HOUR
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses[second.pk] == statuses[waitlisted.pk] == Status.OFFERED
    assert (statuses[first.pk], statuses[fourth.pk]) == (Status.DECLINED, Status.APPROVED)
    assert Grant.objects.filter(application=third).count() == 1  # granted once, by the first run
    assert set(Grant.objects.filter(run=fill).values_list("status", flat=True)) == {GrantStatus.OFFERED}
    assert_ledger_invariants()


def test_the_fill_goes_through_the_outbox_and_a_repeat_changes_nothing(pool_setup, carol, call):
    pool = pool_setup["pool"]
    _committed_run(pool, carol)
    _decline_first(pool_setup)
    with queued_tasks() as tasks:
        fill = services.waitlist_fill(pool=pool, by=carol)
    assert tasks == [("allocations.capacity.fill_from_waitlist", {"run_id": fill.pk})]
    assert fill_from_waitlist(fill.pk) == RunStatus.COMMITTED
    assert fill_from_waitlist(fill.pk) == RunStatus.COMMITTED
    second, fourth = pool_setup["apps"][1], pool_setup["apps"][3]
    granted = Grant.objects.filter(run=fill).values_list("application_id", "granted_seconds")
    assert sorted(granted) == sorted([(second.pk, 30_000 * HOUR), (fourth.pk, 5_000 * HOUR)])
    assert AllocationRun.objects.get(pk=fill.pk).decided_by == carol
    assert_ledger_invariants()


def test_a_waitlisted_applicant_sees_their_position_and_that_they_may_get_an_offer(pool_setup, carol, call, client):
    pool = pool_setup["pool"]
    _committed_run(pool, carol)
    first, second, _third, fourth = pool_setup["apps"]
    waitlisted = _panel_waitlisted(call, requested=18_000, minimum=18_000, rank=3)
    places = {app.pk: award_selectors.waitlist_place(application=app) for app in (first, second, fourth, waitlisted)}
    assert places[first.pk] is None  # offered
    assert [(places[a.pk]["position"], places[a.pk]["count"]) for a in (second, waitlisted, fourth)] == [
        (1, 3),
        (2, 3),
        (3, 3),
    ]
    client.force_login(waitlisted.pi)
    page = client.get(reverse("application_detail", args=[waitlisted.pk])).content.decode()
    assert "Position 2 of 3 on the waitlist" in page and "You may still get an offer" in page


def test_an_admin_fills_from_the_period_page(pool_setup, carol, client):
    pool = pool_setup["pool"]
    login_staff(client, carol)
    page = client.get(reverse("capacity_period_detail", args=[pool.period_id])).content.decode()
    assert reverse("capacity_waitlist_fill", args=[pool.pk]) in page
    with queued_tasks() as tasks:
        response = client.post(reverse("capacity_waitlist_fill", args=[pool.pk]))
    fill = AllocationRun.objects.get(fills_waitlist=True)
    assert response.url == reverse("capacity_run_detail", args=[fill.pk])
    assert [name for name, _kwargs in tasks] == ["allocations.capacity.fill_from_waitlist"]
    assert "Fill from the waitlist" in client.get(response.url).content.decode()
