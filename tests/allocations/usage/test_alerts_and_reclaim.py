"""Alerts at 80 and 100 % (once each, also when two imports cross together) and the end-of-period reclaim
(once, with the ledger's invariants intact)."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from allocations.applications.workflow import Action, Status
from allocations.models import Application, ApplicationMember
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.usage import UsageAlert, UsageReclaim
from allocations.usage import selectors, services
from allocations.usage import tasks as usage_tasks
from ledger.models import Account, Transfer, TransferCode
from tests.allocations.usage.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import emails_queued, queued_tasks, wait_for
from tests.factories import ClusterFactory, active_grant
from tests.factories.usage import cluster_token, current_quarter, day_start, period_for

REFRESH = "allocations.dashboards.refresh_usage_summary"


def push(cluster, grant, *, hours: int, first_job: int, by):
    """Push ``hours`` GPU-hours of ``grant`` as jobs of 10 GPU-hours from ``cluster`` (the API path)."""
    from allocations.models.usage import ClusterToken

    key = cluster_token(cluster, by=by)
    token = ClusterToken.objects.get(key_hash=ClusterToken.hash(key))
    start = day_start(grant.starts_on).isoformat()
    end = (day_start(grant.starts_on) + dt.timedelta(hours=1)).isoformat()
    records = [
        {
            "job_id": str(first_job + i),
            "account": grant.slurm_account,
            "user": "alice",
            "start": start,
            "end": end,
            "gpus": 10,
        }
        for i in range(hours // 10)
    ]
    return services.usage_records_push(token=token, records=records)


def test_80_then_100_percent_alerts_once_each(grant, cluster, carol, django_capture_on_commit_callbacks):
    ApplicationMember.objects.create(application=grant.application, email="max@aurora-ai.eu")
    with django_capture_on_commit_callbacks() as queued:
        push(cluster, grant, hours=500, first_job=1, by=carol)
    assert not UsageAlert.objects.exists() and not queued
    with django_capture_on_commit_callbacks() as queued:
        push(cluster, grant, hours=310, first_job=1000, by=carol)
    assert list(UsageAlert.objects.values_list("threshold", flat=True)) == [80]
    assert len(queued) == 1  # one email to the PI and the team
    with django_capture_on_commit_callbacks() as queued:
        push(cluster, grant, hours=100, first_job=2000, by=carol)  # 91 %: nothing new
    assert not queued
    with django_capture_on_commit_callbacks() as queued:
        push(cluster, grant, hours=200, first_job=3000, by=carol)  # 111 %
    assert sorted(UsageAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    assert len(queued) == 2  # the grantees, and the allocation admins (use beyond the grant is flagged)
    assert selectors.grant_recipients(grant=grant) == ["alice@aurora-ai.eu", "max@aurora-ai.eu"]
    assert selectors.allocation_admin_emails() == ["carol@eurohpc.eu"]
    assert [(g.pk, used) for g, used in selectors.grants_over_quota()] == [(grant.pk, 1_110 * HOUR)]
    assert balance(grant.account) == 0
    assert_ledger_invariants()


@pytest.mark.django_db(transaction=True)
def test_two_imports_crossing_80_percent_together_send_exactly_one_email(celery_worker, carol, gigafactory):
    """Two clusters of one Gigafactory push 45 % each at the same moment: together 90 %."""
    first, second = (ClusterFactory(name=name, gigafactory=gigafactory) for name in ("jupiter", "jupiter-booster"))
    for round_ in range(3):
        grant = active_grant(by=carol, gigafactory=gigafactory, hours=1_000)
        mail.outbox.clear()
        barrier = threading.Barrier(2)
        errors = []

        def work(cluster, first_job, grant=grant, barrier=barrier, errors=errors):
            try:
                barrier.wait(timeout=10)
                push(cluster, grant, hours=450, first_job=first_job, by=carol)
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=work, args=(first, 10_000 * (round_ + 1))),
            threading.Thread(target=work, args=(second, 10_000 * (round_ + 1) + 5_000)),
        ]
        with queued_tasks() as tasks:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert not errors, errors
        assert list(UsageAlert.objects.filter(grant=grant).values_list("threshold", flat=True)) == [80]
        # Both imports have committed, so every email they queued is in the outbox: one alert for this grant.
        subject = grant.slurm_account
        queued = [kw for kw in emails_queued(tasks, subject="80%") if subject in kw["subject"]]
        assert len(queued) == 1, [kw["subject"] for kw in emails_queued(tasks)]
        assert queued[0]["to"] == [grant.application.pi.email]
        wait_for(lambda s=subject: any("80%" in m.subject and s in m.subject for m in mail.outbox))
        assert balance(grant.account) == 100 * HOUR
    assert_ledger_invariants()


# --- reclaim --------------------------------------------------------------------------------------------------------


def previous_quarter() -> tuple[int, int]:
    year, quarter = current_quarter()
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


@pytest.fixture
def ended_grant(carol, alice, alice_org, gigafactory, cluster):
    """alice's grant of 1,000 GPU-hours in the quarter that just ended, with 300 GPU-hours used."""
    year, quarter = previous_quarter()
    grant = active_grant(
        by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice, year=year, quarter=quarter
    )
    assert grant.status == GrantStatus.ACTIVE
    push(cluster, grant, hours=300, first_job=1, by=carol)
    return grant


def test_reclaim_moves_the_unused_hours_to_the_next_pool_once(ended_grant, carol, gigafactory):
    year, quarter = current_quarter()
    next_pool = period_for(by=carol, gigafactory=gigafactory, year=year, quarter=quarter).pools.get().account
    pool_before = balance(next_pool)
    with queued_tasks() as queued:
        assert services.reclaim_ended_periods() == 1
    # the PI's notice, then one rebuild of the dashboards' summary
    assert [name for name, _kwargs in queued] == ["portal.send_email", REFRESH]
    assert balance(ended_grant.account) == 0
    assert balance(next_pool) == pool_before + 700 * HOUR
    reclaim = UsageReclaim.objects.get()
    assert (reclaim.grant, reclaim.amount_seconds, reclaim.to_pool.account) == (ended_grant, 700 * HOUR, next_pool)
    ended_grant.refresh_from_db()
    assert ended_grant.status == GrantStatus.CLOSED
    # the application closes with its last grant, by the portal, on the record
    application = ended_grant.application
    application.refresh_from_db()
    assert application.status == Status.CLOSED
    event = application.events.order_by("-pk").first()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        Action.CLOSE,
        Status.ACTIVE,
        Status.CLOSED,
        None,
    )
    # the second run (and the beat task) move nothing, and queue no rebuild of the summary
    with queued_tasks() as idle:
        assert services.reclaim_ended_periods() == 0
        assert usage_tasks.reclaim_ended_periods() == 0
    assert idle == []
    assert services.grant_reclaim(grant_id=ended_grant.pk) is None
    assert Transfer.objects.filter(code=TransferCode.RECLAIM).count() == 1
    assert balance(next_pool) == pool_before + 700 * HOUR
    assert_ledger_invariants()
    # late records of a closed grant are use beyond it: recorded, never posted
    assert selectors.grant_usage(grant=ended_grant).reclaimed_seconds == 700 * HOUR


def test_an_accepted_grant_that_never_started_closes_from_accepted(ended_grant, carol, gigafactory):
    Grant.objects.filter(pk=ended_grant.pk).update(status=GrantStatus.ACCEPTED)
    Application.objects.filter(pk=ended_grant.application_id).update(status=Status.ACCEPTED)
    year, quarter = current_quarter()
    period_for(by=carol, gigafactory=gigafactory, year=year, quarter=quarter)
    assert services.reclaim_ended_periods() == 1
    application = Application.objects.get(pk=ended_grant.application_id)
    assert application.status == Status.CLOSED
    assert application.events.order_by("-pk").values_list("action", "from_status").first() == (
        Action.CLOSE,
        Status.ACCEPTED,
    )


def test_an_application_with_another_live_grant_stays_active(ended_grant, carol, gigafactory):
    """An application may hold grants of several periods: reclaiming the ended one leaves it active."""
    year, quarter = current_quarter()
    period = period_for(by=carol, gigafactory=gigafactory, year=year, quarter=quarter)
    sibling = Grant.objects.get(pk=ended_grant.pk)
    sibling.pk = None
    sibling.period, sibling.pool = period, period.pools.get()
    sibling.account = Account.objects.create(
        ledger=ended_grant.account.ledger,
        code=ended_grant.account.code,
        owner_kind=ended_grant.account.owner_kind,
        owner_ref=f"grant-sibling:{ended_grant.pk}",
        name="sibling grant",
    )
    sibling.save(force_insert=True)
    assert services.reclaim_ended_periods() == 1
    ended_grant.refresh_from_db()
    ended_grant.application.refresh_from_db()
    assert (ended_grant.status, ended_grant.application.status) == (GrantStatus.CLOSED, Status.ACTIVE)


def test_reclaim_waits_for_the_next_periods_pool(ended_grant, carol, gigafactory):
    assert services.reclaim_ended_periods() == 0
    assert balance(ended_grant.account) == 700 * HOUR
    assert Transfer.objects.filter(code=TransferCode.RECLAIM).count() == 0
    year, quarter = current_quarter()
    period_for(by=carol, gigafactory=gigafactory, year=year, quarter=quarter)
    assert services.reclaim_ended_periods() == 1


def test_running_grants_are_not_reclaimed(grant, carol, gigafactory):
    assert services.reclaim_ended_periods() == 0
    with pytest.raises(Exception, match="not ended"):
        services.grant_reclaim(grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE


def test_only_allocation_admins_reclaim_by_hand(ended_grant, alice):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.reclaim_ended_periods(by=alice)


@pytest.mark.django_db(transaction=True)
def test_two_reclaim_runs_at_once_move_the_hours_once(carol, alice, alice_org, gigafactory, cluster):
    year, quarter = previous_quarter()
    grant = active_grant(
        by=carol, gigafactory=gigafactory, hours=1_000, organisation=alice_org, pi=alice, year=year, quarter=quarter
    )
    year, quarter = current_quarter()
    period_for(by=carol, gigafactory=gigafactory, year=year, quarter=quarter)
    barrier = threading.Barrier(2)
    results = []

    def work():
        try:
            barrier.wait(timeout=10)
            results.append(services.reclaim_ended_periods(today=timezone.localdate()))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    assert Transfer.objects.filter(code=TransferCode.RECLAIM).get().amount == 1_000 * HOUR
    assert balance(grant.account) == 0
    assert_ledger_invariants()
