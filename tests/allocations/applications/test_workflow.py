"""The transition table, walked: every allowed (status, action) succeeds for its roles; everything else is
refused with a message and writes no event."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import MembershipRole
from accounts.roles import PlatformRole
from allocations.applications import selectors, services
from allocations.applications.workflow import TRANSITIONS, Action, Role, Status, actions_for
from allocations.models import Application, ApplicationEvent
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory, fill_application

PORTAL = "portal"


@pytest.fixture
def personas(alice, alice_org, draft):
    """One user per role of the table towards ``draft``, each holding only that role: the PI (a plain member), an
    owner, a member, a call manager, an allocation admin, the portal itself (``None``) and an outsider."""
    pi = UserFactory(email="pia@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=pi, role=MembershipRole.MEMBER)
    member = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member, role=MembershipRole.MEMBER)
    manager = UserFactory(email="manager@eurohpc.eu", roles=[PlatformRole.CALL_MANAGER])
    admin = UserFactory(email="admin@eurohpc.eu", roles=[PlatformRole.ALLOCATION_ADMIN])
    outsider = UserFactory(email="eve@elsewhere.example")
    fill_application(draft)
    Application.objects.filter(pk=draft.pk).update(pi=pi)
    return {
        Role.PI: pi,
        Role.ORG_OWNER: alice,
        Role.ORG_MEMBER: member,
        Role.CALL_MANAGER: manager,
        Role.ALLOCATION_ADMIN: admin,
        PORTAL: None,
        None: outsider,
    }


def _set_status(application: Application, status: Status) -> None:
    values = {"status": status}
    if status != Status.DRAFT:
        values |= {"reference": f"GAP-2026-{application.pk:06d}", "submitted_at": application.created_at}
    Application.objects.filter(pk=application.pk).update(**values)


def _allowed(rule, persona) -> bool:
    role = Role.PORTAL if persona == PORTAL else persona
    return rule is not None and role in rule.who


def test_roles_of_yields_every_role_of_the_table(personas, draft):
    draft.refresh_from_db()
    for persona, user in personas.items():
        roles = selectors.roles_of(user=user, application=draft)
        expected = {Role.PORTAL if persona == PORTAL else persona} - {None}
        if persona == Role.ORG_OWNER:
            expected.add(Role.ORG_MEMBER)  # an owner is a member too
        if persona == Role.PI:
            expected.add(Role.ORG_MEMBER)  # this PI is a plain member
        assert roles == expected, persona
    used = set().union(*(rule.who for rule in TRANSITIONS.values()))
    assert used <= set(Role) and Role.ALLOCATION_ADMIN in used and Role.PORTAL in used


def test_every_status_action_role_combination(personas, draft):
    allowed_seen = 0
    for status, action, persona in itertools.product(Status, Action, personas):
        _set_status(draft, status)
        events_before = ApplicationEvent.objects.count()
        rule = TRANSITIONS.get((status, action))
        user = personas[persona]
        allowed = _allowed(rule, persona)
        try:
            if action == Action.SUBMIT:
                result = services.application_submit(application_id=draft.pk, by=user, declaration=True)
            else:
                result = services.application_transition(application_id=draft.pk, action=action, by=user)
        except (ValidationError, PermissionDenied) as exc:
            assert not allowed, f"{status} {action} by {persona} was refused: {exc}"
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            assert message.strip(), "a refusal explains itself"
            assert ApplicationEvent.objects.count() == events_before
            assert Application.objects.get(pk=draft.pk).status == status
        else:
            assert allowed, f"{status} {action} by {persona} should have been refused"
            allowed_seen += 1
            assert result.status == rule.to
            assert Application.objects.get(pk=draft.pk).status == rule.to
            event = ApplicationEvent.objects.latest("id")
            assert (event.from_status, event.to_status, event.actor, event.action) == (status, rule.to, user, action)
            assert ApplicationEvent.objects.count() == events_before + 1
    assert allowed_seen == sum(1 for rule in TRANSITIONS.values() for p in personas if _allowed(rule, p)) > 0


def test_the_bulk_form_walks_the_same_table(personas, draft, alice, alice_org, call):
    """The bulk form (an allocation run's commit) applies the same rules to every application: all move, each with
    its event, or none does."""
    other = fill_application(ApplicationFactory(call=call, organisation=alice_org, created_by=alice))
    Application.objects.filter(pk=other.pk).update(pi=personas[Role.PI])
    ids = [draft.pk, other.pk]
    actions = [a for a in Action if a != Action.SUBMIT]  # submitting is one application at a time
    for status, action, persona in itertools.product(Status, actions, personas):
        for application in (draft, other):
            _set_status(application, status)
        events_before = ApplicationEvent.objects.count()
        rule = TRANSITIONS.get((status, action))
        allowed = _allowed(rule, persona)
        try:
            result = services.applications_transition(application_ids=ids, action=action, by=personas[persona])
        except (ValidationError, PermissionDenied):
            assert not allowed, f"{status} {action} by {persona} was refused"
            assert ApplicationEvent.objects.count() == events_before
            assert set(Application.objects.filter(pk__in=ids).values_list("status", flat=True)) == {status}
        else:
            assert allowed, f"{status} {action} by {persona} should have been refused"
            assert [a.status for a in result] == [rule.to, rule.to]
            assert set(Application.objects.filter(pk__in=ids).values_list("status", flat=True)) == {rule.to}
            assert ApplicationEvent.objects.count() == events_before + 2
    # One application in a status the action does not start from refuses the whole batch.
    _set_status(draft, Status.APPROVED)
    _set_status(other, Status.PANEL)
    with pytest.raises(ValidationError, match="You cannot offer an application that is panel"):
        services.applications_transition(application_ids=ids, action=Action.OFFER, by=personas[Role.ALLOCATION_ADMIN])
    assert Application.objects.get(pk=draft.pk).status == Status.APPROVED


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
