"""Change requests: each kind's rules, what an approval does to grants and the ledger, the workflow table and the
append-only events."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Sum

from allocations.applications.services import TransitionRefused
from allocations.models.capacity import Grant
from allocations.models.changes import (
    ChangeAction,
    ChangeKind,
    ChangeRequest,
    ChangeRequestEvent,
    ChangeStatus,
    TeamOperation,
)
from allocations.models.provisioning import GrantMember
from allocations.postaward.changes import services
from allocations.postaward.changes.rules import latest_end
from allocations.postaward.changes.workflow import TRANSITIONS, Party
from allocations.usage import selectors as usage_selectors
from audit.models import AuditEvent, ObjectType
from ledger.models import Transfer
from tests.allocations.postaward.conftest import HOUR
from tests.allocations.usage.conftest import assert_ledger_invariants, balance
from tests.conftest import emails_queued, queued_tasks
from tests.factories import UserFactory


def _ask(grant, by, kind, **fields):
    return services.change_request_create(
        grant_id=grant.pk, kind=kind, justification="The training run needs it.", by=by, **fields
    )


def _decide(request, by, action, reason=""):
    return services.change_transition(request_id=request.pk, action=action, by=by, reason=reason)


# --- extension ------------------------------------------------------------------------------------------------------


def test_extension_moves_the_end_of_the_last_slice_and_adds_no_hours(grant, alice, carol):
    new_end = grant.ends_on + dt.timedelta(days=45)
    granted, pool_before = grant.granted_seconds, balance(grant.pool.account)
    with queued_tasks() as tasks:
        request = _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=new_end)
        assert request.status == ChangeStatus.SUBMITTED
        request, refused = _decide(request, carol, ChangeAction.APPROVE)
    assert refused == "" and request.status == ChangeStatus.APPROVED
    grant.refresh_from_db()
    assert grant.ends_on == new_end and request.previous_ends_on < new_end
    assert grant.granted_seconds == granted and balance(grant.pool.account) == pool_before
    assert [e.to_status for e in request.events.all()] == [ChangeStatus.SUBMITTED, ChangeStatus.APPROVED]
    assert len(emails_queued(tasks)) == 1  # alice hears of the decision (she made the request herself)
    assert (
        AuditEvent.objects.filter(object_type=ObjectType.CHANGE_REQUEST, action="change_request.approve").count() == 1
    )


def test_extension_stays_within_the_calls_longest_duration(grant, alice):
    limit = latest_end(grant)
    with pytest.raises(ValidationError) as exc:
        _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=limit + dt.timedelta(days=1))
    assert "at the latest" in str(exc.value.message_dict["new_ends_on"])
    assert _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=limit).status == ChangeStatus.SUBMITTED


def test_extension_must_move_the_end_later(grant, alice):
    with pytest.raises(ValidationError) as exc:
        _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=grant.ends_on)
    assert "new_ends_on" in exc.value.message_dict
    assert not ChangeRequest.objects.exists()


def test_an_extended_slice_is_reclaimed_at_its_new_end_not_at_its_periods(grant, alice, carol):
    new_end = grant.period.ends_on + dt.timedelta(days=30)
    request = _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=new_end)
    _decide(request, carol, ChangeAction.APPROVE)
    assert grant.pk not in usage_selectors.grants_to_reclaim(today=grant.period.ends_on)
    assert grant.pk in usage_selectors.grants_to_reclaim(today=new_end)


def test_one_open_request_per_grant_and_kind(grant, alice):
    _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=grant.ends_on + dt.timedelta(days=10))
    with pytest.raises(ValidationError, match="already open"):
        _ask(grant, alice, ChangeKind.EXTENSION, new_ends_on=grant.ends_on + dt.timedelta(days=20))


# --- supplement -----------------------------------------------------------------------------------------------------


def test_supplement_is_a_ledger_transfer_from_the_pool(grant, alice, carol):
    pool_before, grant_before = balance(grant.pool.account), balance(grant.account)
    request = _ask(grant, alice, ChangeKind.SUPPLEMENT, amount_seconds=200 * HOUR)
    request, _refused = _decide(request, carol, ChangeAction.APPROVE)
    grant.refresh_from_db()
    assert grant.granted_seconds == 1_200 * HOUR
    assert balance(grant.pool.account) == pool_before - 200 * HOUR
    assert balance(grant.account) == grant_before + 200 * HOUR
    assert Transfer.objects.filter(pk=request.transfer_id, amount=200 * HOUR).exists()
    assert_ledger_invariants()


def test_supplement_beyond_the_pool_is_refused_with_the_ledgers_reason(grant, alice, carol):
    too_much = balance(grant.pool.account) + HOUR
    request = _ask(grant, alice, ChangeKind.SUPPLEMENT, amount_seconds=too_much)
    transfers = Transfer.objects.count()
    with queued_tasks() as tasks:
        request, refused = _decide(request, carol, ChangeAction.APPROVE)
    assert request.status == ChangeStatus.REFUSED
    assert "The amount exceeds what the account holds." in refused
    request.refresh_from_db()
    assert request.decision_reason == refused and request.decided_by == carol
    assert Transfer.objects.count() == transfers
    grant.refresh_from_db()
    assert grant.granted_seconds == 1_000 * HOUR
    assert [e.action for e in request.events.all()] == [ChangeAction.SUBMIT, ChangeAction.REFUSE]
    assert len(emails_queued(tasks, subject="refused")) == 1
    assert_ledger_invariants()


# --- transfer -------------------------------------------------------------------------------------------------------


def _organisation_total(organisation) -> tuple[int, int]:
    grants = Grant.objects.filter(application__organisation=organisation)
    granted = grants.aggregate(s=Sum("granted_seconds"))["s"]
    left = sum(balance(g.account) for g in grants.select_related("account"))
    return granted, left


def test_transfer_needs_the_other_pi_and_keeps_the_organisations_total(
    grant, erin_grant, alice, erin, carol, alice_org
):
    before = _organisation_total(alice_org)
    with queued_tasks() as tasks:
        request = _ask(grant, alice, ChangeKind.TRANSFER, amount_seconds=300 * HOUR, target_grant_id=erin_grant.pk)
    assert request.status == ChangeStatus.AWAITING_CONSENT
    assert [kw["to"] for kw in emails_queued(tasks)] == [[erin.email]]
    with pytest.raises(PermissionDenied):  # the admin decides only after erin agreed
        _decide(request, alice, ChangeAction.CONSENT)
    with pytest.raises(TransitionRefused):
        _decide(request, carol, ChangeAction.APPROVE)
    request, _ = _decide(request, erin, ChangeAction.CONSENT)
    assert request.status == ChangeStatus.SUBMITTED and request.consent_by == erin
    request, _ = _decide(request, carol, ChangeAction.APPROVE)
    assert request.status == ChangeStatus.APPROVED
    grant.refresh_from_db()
    erin_grant.refresh_from_db()
    assert (grant.granted_seconds, erin_grant.granted_seconds) == (700 * HOUR, 800 * HOUR)
    assert _organisation_total(alice_org) == before
    assert_ledger_invariants()


def test_transfer_to_another_organisations_grant_is_refused(grant, alice, carol, gigafactory, mallory):
    from tests.factories import active_grant

    other = active_grant(by=carol, gigafactory=gigafactory, hours=100, organisation=mallory.organisations.get())
    with pytest.raises(ValidationError) as exc:
        _ask(grant, alice, ChangeKind.TRANSFER, amount_seconds=HOUR, target_grant_id=other.pk)
    assert "target_grant" in exc.value.message_dict


def test_transfer_cannot_move_more_than_is_left(grant, erin_grant, alice):
    with pytest.raises(ValidationError) as exc:
        _ask(grant, alice, ChangeKind.TRANSFER, amount_seconds=1_000 * HOUR, target_grant_id=erin_grant.pk)
    assert "hours" in exc.value.message_dict


def test_a_declined_transfer_moves_nothing(grant, erin_grant, alice, erin):
    request = _ask(grant, alice, ChangeKind.TRANSFER, amount_seconds=HOUR, target_grant_id=erin_grant.pk)
    request, _ = _decide(request, erin, ChangeAction.DECLINE)
    assert request.status == ChangeStatus.DECLINED
    grant.refresh_from_db()
    assert grant.granted_seconds == 1_000 * HOUR


# --- team and PI ----------------------------------------------------------------------------------------------------


def test_team_change_adds_and_removes_a_member_and_provisioning_follows(grant, alice, carol):
    from allocations.usage import provisioning

    dan = UserFactory(email="dan@partner-lab.eu")
    request = _ask(grant, alice, ChangeKind.TEAM_CHANGE, person_email="DAN@partner-lab.eu", team_operation="add")
    with queued_tasks() as tasks:
        _decide(request, carol, ChangeAction.APPROVE)
    assert {m.user for m in provisioning.grant_team(grant=grant)} >= {dan}
    assert sorted(kw["to"][0] for kw in emails_queued(tasks)) == ["alice@aurora-ai.eu", "dan@partner-lab.eu"]
    request = _ask(grant, alice, ChangeKind.TEAM_CHANGE, person_email=dan.email, team_operation=TeamOperation.REMOVE)
    _decide(request, carol, ChangeAction.APPROVE)
    assert not GrantMember.objects.filter(application=grant.application, user=dan).exists()


def test_team_change_names_a_portal_user(grant, alice):
    with pytest.raises(ValidationError) as exc:
        _ask(grant, alice, ChangeKind.TEAM_CHANGE, person_email="nobody@example.org", team_operation="add")
    assert "person_email" in exc.value.message_dict


def test_pi_change_waits_for_the_new_pi_then_the_admin(grant, alice, erin, carol):
    request = _ask(grant, alice, ChangeKind.PI_CHANGE, person_email=erin.email)
    assert request.status == ChangeStatus.AWAITING_CONSENT
    _decide(request, erin, ChangeAction.CONSENT)
    _decide(request, carol, ChangeAction.APPROVE)
    grant.application.refresh_from_db()
    assert grant.application.pi == erin


def test_pi_change_to_someone_outside_the_organisation_is_refused(grant, alice, mallory):
    with pytest.raises(ValidationError, match="member of the organisation"):
        _ask(grant, alice, ChangeKind.PI_CHANGE, person_email=mallory.email)


# --- who may act, the table, the events ---------------------------------------------------------------------------


def test_only_the_pi_asks(grant, erin, mallory):
    for user in (erin, mallory):
        with pytest.raises(PermissionDenied):
            _ask(grant, user, ChangeKind.SUPPLEMENT, amount_seconds=HOUR)


def test_a_refusal_needs_a_reason_and_staff_without_mfa_cannot_decide(grant, alice, carol):
    request = _ask(grant, alice, ChangeKind.SUPPLEMENT, amount_seconds=HOUR)
    with pytest.raises(ValidationError):
        _decide(request, carol, ChangeAction.REFUSE)
    carol.mfa_passed = False
    with pytest.raises(PermissionDenied):
        _decide(request, carol, ChangeAction.APPROVE)
    carol.mfa_passed = True
    request, _ = _decide(request, carol, ChangeAction.REFUSE, reason="The pool is kept for the next cut-off.")
    assert request.decision_reason == "The pool is kept for the next cut-off."


def test_the_table_walk_every_other_action_is_refused_and_writes_no_event(grant, erin_grant, alice, erin, carol):
    actors = {Party.REQUESTER: alice, Party.COUNTERPARTY: erin, Party.ALLOCATION_ADMIN: carol}
    for status in (ChangeStatus.AWAITING_CONSENT, ChangeStatus.SUBMITTED, ChangeStatus.APPROVED):
        for action in (a for a in ChangeAction if a != ChangeAction.SUBMIT):
            for party, user in actors.items():
                rule = TRANSITIONS.get((status, action))
                if rule is not None and party in rule.who:
                    continue
                request = ChangeRequest.objects.create(
                    grant=grant,
                    target_grant=erin_grant,
                    kind=ChangeKind.TRANSFER,
                    amount_seconds=HOUR,
                    status=ChangeStatus.APPROVED if status == ChangeStatus.APPROVED else status,
                    requested_by=alice,
                    justification="x",
                    created_at=grant.offered_at,
                    updated_at=grant.offered_at,
                )
                with pytest.raises((PermissionDenied, TransitionRefused)):
                    _decide(request, user, action, reason="because")
                assert not ChangeRequestEvent.objects.filter(request=request).exists()
                request.status = ChangeStatus.WITHDRAWN  # free the one-open-per-kind slot for the next case
                request.save(update_fields=["status"])


def test_events_are_append_only_in_the_database(grant, alice):
    request = _ask(grant, alice, ChangeKind.SUPPLEMENT, amount_seconds=HOUR)
    event = request.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeRequestEvent.objects.filter(pk=event.pk).update(comment="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeRequestEvent.objects.filter(pk=event.pk).delete()
    assert request.events.get().comment == ""
