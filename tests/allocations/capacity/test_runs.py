"""Allocation runs: what-if results with explanations, commit into grants and ledger transfers, discard,
idempotency, stale inputs and permissions (the task function called directly; the worker tests are separate)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from allocations.applications.workflow import Action, Status
from allocations.capacity import selectors, services
from allocations.models import Application, ApplicationEvent
from allocations.models.capacity import AllocationResult, AllocationRun, Grant, GrantStatus, Outcome, Pool, RunStatus
from ledger.models import Transfer, TransferCode
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.conftest import queued_tasks
from tests.factories import PartnerFactory, approved_application

POOL = 69_984 * HOUR


def computed(pool, carol, policy="rank_greedy") -> AllocationRun:
    run = services.run_create(pool=pool, policy=policy, by=carol)
    assert services.run_execute(run_id=run.pk) == RunStatus.SUCCEEDED
    run.refresh_from_db()
    return run


def test_creating_a_run_queues_the_task_after_commit(pool_setup, carol, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, queued_tasks() as queued:
        run = services.run_create(pool=pool_setup["pool"], policy="proportional", by=carol)
    assert run.status == RunStatus.QUEUED
    assert len(callbacks) == 1  # relayed to the broker after commit
    assert queued == [("allocations.capacity.execute_allocation_run", {"run_id": run.pk})]


def test_rank_greedy_run_gives_explained_results_and_changes_nothing_yet(pool_setup, carol):
    pool = pool_setup["pool"]
    assert pool.size_seconds == POOL
    run = computed(pool, carol)
    assert (run.capacity_seconds, run.granted_seconds, run.unallocated_seconds) == (POOL, POOL, 0)
    rows = selectors.with_explanations(selectors.run_results(run=run), count=4)
    assert [(r.granted_seconds // HOUR, r.outcome) for r in rows] == [
        (50_000, Outcome.FULL),
        (0, Outcome.WAITLISTED),
        (19_984, Outcome.PARTIAL),
        (0, Outcome.WAITLISTED),
    ]
    assert rows[0].explanation == "ranked 1 of 4; asked 50,000 GPU-h; granted in full"
    assert rows[1].explanation == (
        "ranked 2 of 4; asked 30,000 GPU-h; waitlisted: only 19,984 GPU-h were left, below the minimum of 20,000"
    )
    assert rows[2].explanation == "ranked 3 of 4; asked 20,000 GPU-h; granted 19,984 because the pool was exhausted"
    assert run.inputs["balance"] == POOL and len(run.inputs["requests"]) == 4
    assert len(run.inputs_hash) == 64
    # A what-if: no grant, no transfer, statuses unchanged.
    assert not Grant.objects.exists()
    assert balance(pool.account) == POOL
    assert set(Application.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_proportional_run_gives_everyone_the_same_share_raised_to_minimums(pool_setup, carol):
    run = computed(pool_setup["pool"], carol, "proportional")
    rows = selectors.with_explanations(selectors.run_results(run=run), count=4)
    granted = [r.granted_seconds for r in rows]
    assert sum(granted) == POOL
    assert all(r.granted_seconds >= r.minimum_seconds for r in rows if r.granted_seconds)
    assert "common share" in rows[1].explanation


def test_executing_twice_stores_one_result(pool_setup, carol):
    run = computed(pool_setup["pool"], carol)
    assert services.run_execute(run_id=run.pk) == RunStatus.SUCCEEDED
    assert AllocationResult.objects.filter(run=run).count() == 4
    assert AllocationRun.objects.get(pk=run.pk).attempts == 1


def test_commit_creates_grants_transfers_offers_and_queues_emails(
    pool_setup, carol, alice, django_capture_on_commit_callbacks
):
    pool = pool_setup["pool"]
    run = computed(pool, carol)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, queued_tasks() as queued:
        services.run_commit(run_id=run.pk, by=carol)
    # after commit: the offer emails and one rebuild of the dashboards' summary (the grants are new)
    assert len(callbacks) == 2
    assert [name for name, _kwargs in queued] == [
        "allocations.capacity.send_offer_emails",
        "allocations.dashboards.refresh_usage_summary",
    ]
    run.refresh_from_db()
    assert run.status == RunStatus.COMMITTED and run.decided_by == carol
    grants = {g.application_id: g for g in Grant.objects.select_related("account")}
    first, second, third, fourth = pool_setup["apps"]
    assert set(grants) == {first.pk, third.pk}
    assert grants[first.pk].granted_seconds == 50_000 * HOUR
    assert grants[first.pk].slurm_account == first.reference.lower()
    assert grants[first.pk].status == GrantStatus.OFFERED
    assert (grants[first.pk].respond_by - grants[first.pk].offered_at).days == 14
    for grant in grants.values():
        assert balance(grant.account) == grant.granted_seconds
    assert balance(pool.account) == 0
    assert Transfer.objects.filter(code=TransferCode.GRANT).count() == 2
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.OFFERED,
        second.pk: Status.APPROVED,
        third.pk: Status.OFFERED,
        fourth.pk: Status.APPROVED,
    }
    event = ApplicationEvent.objects.get(application=first)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        Action.OFFER,
        Status.APPROVED,
        Status.OFFERED,
        carol,
    )
    assert_ledger_invariants()


def test_a_run_commits_once(pool_setup, carol):
    run = computed(pool_setup["pool"], carol)
    services.run_commit(run_id=run.pk, by=carol)
    with pytest.raises(ValidationError, match="already committed"):
        services.run_commit(run_id=run.pk, by=carol)
    assert Grant.objects.count() == 2
    assert Transfer.objects.filter(code=TransferCode.GRANT).count() == 2


def test_commit_refuses_when_inputs_changed_and_grants_nothing(pool_setup, carol, call):
    run = computed(pool_setup["pool"], carol)
    approved_application(call=call, requested=60_000, minimum=50_000, rank=1)
    with pytest.raises(ValidationError, match="changed since this run"):
        services.run_commit(run_id=run.pk, by=carol)
    assert not Grant.objects.exists()
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED
    assert set(Application.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_a_second_run_of_the_same_inputs_is_stale_after_the_first_commit(pool_setup, carol):
    first = computed(pool_setup["pool"], carol)
    second = computed(pool_setup["pool"], carol)
    services.run_commit(run_id=first.pk, by=carol)
    with pytest.raises(ValidationError, match="changed since this run"):
        services.run_commit(run_id=second.pk, by=carol)
    assert Grant.objects.count() == 2


def test_discard_sets_the_run_aside(pool_setup, carol):
    run = computed(pool_setup["pool"], carol)
    services.run_discard(run_id=run.pk, by=carol)
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.DISCARDED
    with pytest.raises(ValidationError, match="discarded"):
        services.run_commit(run_id=run.pk, by=carol)
    assert not Grant.objects.exists()


def test_an_unfinished_run_cannot_be_committed(pool_setup, carol):
    run = services.run_create(pool=pool_setup["pool"], policy="rank_greedy", by=carol)
    with pytest.raises(ValidationError, match="no result"):
        services.run_commit(run_id=run.pk, by=carol)


def test_only_allocation_admins_run_commit_and_discard(pool_setup, carol, alice, bob):
    pool = pool_setup["pool"]
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.run_create(pool=pool, policy="rank_greedy", by=user)
    run = computed(pool, carol)
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.run_commit(run_id=run.pk, by=user)
        with pytest.raises(PermissionDenied):
            services.run_discard(run_id=run.pk, by=user)
    assert AllocationRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED


def test_bad_policy_and_partner_pools_are_refused(pool_setup, carol):
    with pytest.raises(ValidationError) as exc:
        services.run_create(pool=pool_setup["pool"], policy="lottery", by=carol)
    assert "policy" in exc.value.message_dict
    partner_pool = Pool(kind="partner", partner=PartnerFactory(), period=pool_setup["period"])
    with pytest.raises(ValidationError) as exc:
        services.run_create(pool=partner_pool, policy="rank_greedy", by=carol)
    assert "pool" in exc.value.message_dict


def test_applications_of_other_modes_gigafactories_or_statuses_are_not_candidates(pool_setup, carol, call):
    from tests.factories import CallFactory, GigafactoryFactory
    from tests.factories.allocations import access_mode

    other_mode = CallFactory(access_mode=access_mode("fast-lane"), gigafactories=[pool_setup["period"].gigafactory])
    approved_application(call=other_mode, requested=10_000, rank=1)
    elsewhere = GigafactoryFactory(slug="elsewhere")
    approved_application(call=call, requested=10_000, rank=1, gigafactory=elsewhere)
    draft = approved_application(call=call, requested=10_000, rank=1)
    Application.objects.filter(pk=draft.pk).update(status=Status.PANEL)
    unranked = approved_application(call=call, requested=1_000)
    run = computed(pool_setup["pool"], carol)
    ids = [row[0] for row in run.inputs["requests"]]
    assert sorted(ids) == sorted([a.pk for a in pool_setup["apps"]] + [unranked.pk])
    last = AllocationResult.objects.filter(run=run).order_by("-position").first()
    assert last.application_id == unranked.pk  # no panel rank: considered after every ranked application


def test_a_failing_run_is_marked_failed_not_left_running(pool_setup, carol):
    run = services.run_create(pool=pool_setup["pool"], policy="rank_greedy", by=carol)
    AllocationRun.objects.filter(pk=run.pk).update(policy="lottery")  # data the solver refuses
    assert services.run_execute(run_id=run.pk) == RunStatus.FAILED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "lottery" in run.error
    services.run_discard(run_id=run.pk, by=carol)
