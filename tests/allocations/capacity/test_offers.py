"""Offers: the PI accepts or declines before the deadline; late offers expire; declined and expired hours go back
to the pool; accepted grants become active when their period starts; the pool can be run again for the waitlist."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import MembershipRole
from allocations.applications.workflow import Action, Status
from allocations.capacity import services
from allocations.models import Application, ApplicationEvent
from allocations.models.capacity import Grant, GrantStatus, RunStatus
from ledger.models import Transfer, TransferCode
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import queued_tasks
from tests.factories import MembershipFactory, UserFactory

REFRESH = "allocations.dashboards.refresh_usage_summary"


@pytest.fixture
def offered(pool_setup, carol):
    run = services.run_create(pool=pool_setup["pool"], policy="rank_greedy", by=carol)
    services.run_execute(run_id=run.pk)
    services.run_commit(run_id=run.pk, by=carol)
    first = pool_setup["apps"][0]
    return {**pool_setup, "grant": Grant.objects.select_related("account", "pool__account").get(application=first)}


def test_the_pi_accepts_before_the_period_starts(offered, alice):
    with queued_tasks() as queued:
        grant = services.offer_respond(grant_id=offered["grant"].pk, accept=True, by=alice)
    assert queued == [(REFRESH, {"trigger": "offer_respond"})]
    assert grant.status == GrantStatus.ACCEPTED and grant.responded_by == alice
    application = Application.objects.get(pk=grant.application_id)
    assert application.status == Status.ACCEPTED
    assert ApplicationEvent.objects.filter(application=application).latest("id").action == Action.ACCEPT
    assert balance(grant.account) == 50_000 * HOUR  # the hours stay granted


def test_accepting_once_the_period_has_started_activates_the_grant(offered, alice):
    grant = offered["grant"]
    services.offer_respond(grant_id=grant.pk, accept=True, by=alice, now=timezone.now() + dt.timedelta(days=1))
    # a day later is still before 2027; activation waits for the beat job ...
    with queued_tasks() as busy:
        assert services.grants_activate(now=timezone.make_aware(dt.datetime(2027, 1, 2))) == 1
    assert [name for name, _kwargs in busy] == [REFRESH]
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE
    event = ApplicationEvent.objects.filter(application_id=grant.application_id).latest("id")
    assert (event.action, event.to_status, event.actor) == (Action.ACTIVATE, Status.ACTIVE, None)
    with queued_tasks() as idle:
        assert services.grants_activate(now=timezone.make_aware(dt.datetime(2027, 1, 3))) == 0
    assert idle == []


def test_declining_returns_the_hours_to_the_pool(offered, alice):
    grant = offered["grant"]
    pool_account = grant.pool.account
    before = balance(pool_account)
    services.offer_respond(grant_id=grant.pk, accept=False, by=alice)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.DECLINED
    assert Application.objects.get(pk=grant.application_id).status == Status.DECLINED
    assert balance(grant.account) == 0
    assert balance(pool_account) == before + grant.granted_seconds
    assert Transfer.objects.filter(code=TransferCode.REVERSAL, credit_account=pool_account).count() == 1
    assert_ledger_invariants()


def test_an_offer_is_answered_once(offered, alice):
    services.offer_respond(grant_id=offered["grant"].pk, accept=False, by=alice)
    with pytest.raises(ValidationError, match="declined"):
        services.offer_respond(grant_id=offered["grant"].pk, accept=True, by=alice)
    assert Transfer.objects.filter(code=TransferCode.REVERSAL).count() == 1


def test_only_the_pi_answers(offered, alice_org, mallory, carol):
    colleague = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague, role=MembershipRole.MEMBER)
    for user in (colleague, mallory, carol):
        with pytest.raises(PermissionDenied):
            services.offer_respond(grant_id=offered["grant"].pk, accept=True, by=user)
    assert Grant.objects.get(pk=offered["grant"].pk).status == GrantStatus.OFFERED


def test_late_answers_are_refused_and_the_beat_job_expires_the_offer(offered, alice):
    grant = offered["grant"]
    late = grant.respond_by + dt.timedelta(seconds=1)
    with queued_tasks() as refused, pytest.raises(ValidationError, match="deadline"):
        services.offer_respond(grant_id=grant.pk, accept=True, by=alice, now=late)
    assert refused == []
    # An idle job changes nothing the dashboards show: it queues no rebuild of their summary; one that expired
    # offers queues exactly one.
    with queued_tasks() as idle:
        assert services.offers_expire(now=grant.respond_by - dt.timedelta(seconds=1)) == 0
    assert idle == []
    with queued_tasks() as busy:
        assert services.offers_expire(now=late) == 2  # both offers of the run
    assert busy == [(REFRESH, {"trigger": "expire_offers"})]
    with queued_tasks() as idle:
        assert services.offers_expire(now=late) == 0
    assert idle == []
    grant.refresh_from_db()
    assert grant.status == GrantStatus.EXPIRED
    event = ApplicationEvent.objects.filter(application_id=grant.application_id).latest("id")
    assert (event.action, event.to_status, event.actor) == (Action.EXPIRE, Status.DECLINED, None)
    assert balance(grant.pool.account) == grant.pool.size_seconds
    assert_ledger_invariants()


def test_running_the_pool_again_fills_from_the_waitlist(offered, alice, carol):
    services.offer_respond(grant_id=offered["grant"].pk, accept=False, by=alice)
    run = services.run_create(pool=offered["pool"], policy="rank_greedy", by=carol)
    assert services.run_execute(run_id=run.pk) == RunStatus.SUCCEEDED
    services.run_commit(run_id=run.pk, by=carol)
    second, fourth = offered["apps"][1], offered["apps"][3]
    assert Grant.objects.get(application=second).granted_seconds == 30_000 * HOUR
    assert Grant.objects.get(application=fourth).granted_seconds == 5_000 * HOUR
    assert balance(offered["pool"].account) == 50_000 * HOUR - 35_000 * HOUR
    assert_ledger_invariants()
