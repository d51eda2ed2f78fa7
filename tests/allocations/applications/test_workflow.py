"""The transition table, walked: every allowed (status, action) succeeds for its roles; everything else is
refused with a message and writes no event."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import MembershipRole
from accounts.roles import PlatformRole
from allocations.applications import services
from allocations.applications.workflow import TRANSITIONS, Action, Role, Status, actions_for
from allocations.models import Application, ApplicationEvent
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory, fill_application


@pytest.fixture
def personas(alice, alice_org, draft):
    """One user per role towards ``draft``: the PI (a plain member), an owner, a member, a call manager, an outsider."""
    pi = UserFactory(email="pia@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=pi, role=MembershipRole.MEMBER)
    member = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member, role=MembershipRole.MEMBER)
    manager = UserFactory(email="manager@eurohpc.eu", roles=[PlatformRole.CALL_MANAGER])
    outsider = UserFactory(email="eve@elsewhere.example")
    fill_application(draft)
    Application.objects.filter(pk=draft.pk).update(pi=pi)
    return {
        Role.PI: pi,
        Role.ORG_OWNER: alice,
        Role.ORG_MEMBER: member,
        Role.CALL_MANAGER: manager,
        None: outsider,
    }


def _set_status(application: Application, status: Status) -> None:
    values = {"status": status}
    if status != Status.DRAFT:
        values |= {"reference": f"GAP-2026-{application.pk:06d}", "submitted_at": application.created_at}
    Application.objects.filter(pk=application.pk).update(**values)


def test_every_status_action_role_combination(personas, draft):
    for status, action, role in itertools.product(Status, Action, personas):
        _set_status(draft, status)
        events_before = ApplicationEvent.objects.count()
        rule = TRANSITIONS.get((status, action))
        user = personas[role]
        allowed = rule is not None and role in rule.who
        try:
            if action == Action.SUBMIT:
                result = services.application_submit(application_id=draft.pk, by=user, declaration=True)
            else:
                result = services.application_transition(application_id=draft.pk, action=action, by=user)
        except (ValidationError, PermissionDenied) as exc:
            assert not allowed, f"{status} {action} by {role} was refused: {exc}"
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            assert message.strip(), "a refusal explains itself"
            assert ApplicationEvent.objects.count() == events_before
            assert Application.objects.get(pk=draft.pk).status == status
        else:
            assert allowed, f"{status} {action} by {role} should have been refused"
            assert result.status == rule.to
            event = ApplicationEvent.objects.latest("id")
            assert (event.from_status, event.to_status, event.actor, event.action) == (status, rule.to, user, action)
            assert ApplicationEvent.objects.count() == events_before + 1


def test_refusal_messages_are_clear(personas, complete_draft):
    _set_status(complete_draft, Status.APPROVED)
    with pytest.raises(ValidationError, match="You cannot withdraw an application that is approved"):
        services.application_withdraw(application_id=complete_draft.pk, by=personas[Role.ORG_OWNER])
    _set_status(complete_draft, Status.DRAFT)
    with pytest.raises(PermissionDenied, match=r"Only .* may submit this application"):
        services.application_submit(application_id=complete_draft.pk, by=personas[Role.ORG_MEMBER], declaration=True)


def test_actions_for_lists_only_allowed_actions():
    assert actions_for(Status.DRAFT, {Role.PI}) == [Action.SUBMIT, Action.WITHDRAW]
    assert actions_for(Status.DRAFT, {Role.ORG_MEMBER}) == []
    assert actions_for(Status.APPROVED, {Role.PI}) == []
    assert Action.WITHDRAW in actions_for(Status.PANEL, {Role.CALL_MANAGER})
    assert Action.SUBMIT not in actions_for(Status.PANEL, {Role.CALL_MANAGER, Role.PI})


def test_events_are_append_only(alice, complete_draft):
    services.application_submit(application_id=complete_draft.pk, by=alice, declaration=True)
    event = ApplicationEvent.objects.get(application=complete_draft)
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ApplicationEvent.objects.filter(pk=event.pk).delete()


def test_withdraw_before_decision(alice, complete_draft):
    services.application_submit(application_id=complete_draft.pk, by=alice, declaration=True)
    application = services.application_withdraw(application_id=complete_draft.pk, by=alice, comment="Merged project")
    assert application.status == Status.WITHDRAWN
    assert list(application.events.values_list("to_status", flat=True)) == [Status.SUBMITTED, Status.WITHDRAWN]
    assert application.events.last().comment == "Merged project"


def test_other_application_unaffected(alice, alice_org, call, complete_draft):
    other = ApplicationFactory(call=call, organisation=alice_org, created_by=alice)
    services.application_withdraw(application_id=complete_draft.pk, by=alice)
    assert Application.objects.get(pk=other.pk).status == Status.DRAFT
