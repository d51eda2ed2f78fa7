"""The one transition table, walked with the review stage's rows: every allowed (status, action, role) succeeds
and writes exactly one event; every other combination is refused with a message and writes none."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import MembershipRole
from accounts.roles import PlatformRole
from allocations.applications import services
from allocations.applications.workflow import TRANSITIONS, Action, Role, Status, actions_for
from allocations.models import Application, ApplicationEvent
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory, fill_application

REVIEW_ACTIONS = [
    Action.PASS_CHECK,
    Action.FAIL_CHECK,
    Action.PASS_CHECK_TO_PANEL,
    Action.COMPLETE_REVIEWS,
    Action.OPEN_REPLY,
    Action.CLOSE_REPLY,
    Action.TO_PANEL,
    Action.APPROVE,
    Action.WAITLIST,
    Action.REJECT,
]
PORTAL = "portal"
REVIEWER = "reviewer"


@pytest.fixture
def personas(alice, alice_org, call, bob, _platform_groups):
    """One user per role towards the application, each holding only that role."""
    application = ApplicationFactory(call=call, organisation=alice_org, created_by=alice)
    fill_application(application)
    pi = UserFactory(email="pia@elsewhere.example")  # the PI and nothing else (not a member)
    member = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member, role=MembershipRole.MEMBER)
    owner = UserFactory(email="olga@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=owner, role=MembershipRole.OWNER)
    manager = UserFactory(email="manager@eurohpc.eu", roles=[PlatformRole.CALL_MANAGER])
    admin = UserFactory(email="admin@eurohpc.eu", roles=[PlatformRole.ALLOCATION_ADMIN])
    Application.objects.filter(pk=application.pk).update(pi=pi)
    return application, {
        Role.PI: pi,
        Role.ORG_OWNER: owner,
        Role.ORG_MEMBER: member,
        Role.CALL_MANAGER: manager,
        Role.ALLOCATION_ADMIN: admin,  # runs allocations; takes no review step
        PORTAL: None,
        REVIEWER: bob,  # a platform reviewer holds no role on the application itself: refused like an outsider
    }


def _set_status(application: Application, status: Status) -> None:
    values = {"status": status}
    if status != Status.DRAFT:
        values |= {"reference": f"GAP-2026-{application.pk:06d}", "submitted_at": application.created_at}
    Application.objects.filter(pk=application.pk).update(**values)


def _holds(persona, rule) -> bool:
    role = Role.PORTAL if persona == PORTAL else persona
    return rule is not None and role in rule.who


def test_review_rows_walked_for_every_status_and_role(personas):
    application, users = personas
    allowed_seen = 0
    for status, action, persona in itertools.product(Status, REVIEW_ACTIONS, users):
        _set_status(application, status)
        events_before = ApplicationEvent.objects.count()
        rule = TRANSITIONS.get((status, action))
        allowed = _holds(persona, rule)
        try:
            result = services.application_transition(application_id=application.pk, action=action, by=users[persona])
        except (ValidationError, PermissionDenied) as exc:
            assert not allowed, f"{status} {action} by {persona} was refused: {exc}"
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            assert message.strip(), "a refusal explains itself"
            assert str(action.label) in message or "Only" in message, message
            assert ApplicationEvent.objects.count() == events_before
            assert Application.objects.get(pk=application.pk).status == status
        else:
            assert allowed, f"{status} {action} by {persona} should have been refused"
            allowed_seen += 1
            assert result.status == rule.to
            event = ApplicationEvent.objects.latest("id")
            assert (event.from_status, event.to_status, event.action) == (status, rule.to, action)
            assert event.actor == users[persona]
            assert ApplicationEvent.objects.count() == events_before + 1
            assert Application.objects.get(pk=application.pk).status == rule.to
    # Each review row has at least one role that may take it, and the walk exercised all of them.
    expected = sum(1 for (s, a), rule in TRANSITIONS.items() if a in REVIEW_ACTIONS for p in users if _holds(p, rule))
    assert allowed_seen == expected > 0


def test_refusals_read_clearly(personas):
    application, users = personas
    _set_status(application, Status.APPROVED)
    with pytest.raises(ValidationError, match="You cannot approve an application that is approved"):
        services.application_transition(
            application_id=application.pk, action=Action.APPROVE, by=users[Role.CALL_MANAGER]
        )
    _set_status(application, Status.PANEL)
    with pytest.raises(PermissionDenied, match="Only call manager may approve this application"):
        services.application_transition(application_id=application.pk, action=Action.APPROVE, by=users[Role.PI])


def test_review_stage_rows_are_in_the_one_table():
    assert TRANSITIONS[(Status.SUBMITTED, Action.PASS_CHECK)].to == Status.IN_REVIEW
    assert TRANSITIONS[(Status.SUBMITTED, Action.FAIL_CHECK)].to == Status.INELIGIBLE
    assert TRANSITIONS[(Status.SUBMITTED, Action.PASS_CHECK_TO_PANEL)].to == Status.PANEL
    assert TRANSITIONS[(Status.RIGHT_TO_REPLY, Action.CLOSE_REPLY)].who == {Role.PI, Role.PORTAL, Role.CALL_MANAGER}
    assert actions_for(Status.PANEL, {Role.CALL_MANAGER}) == [
        Action.WITHDRAW,
        Action.APPROVE,
        Action.WAITLIST,
        Action.REJECT,
    ]
    assert actions_for(Status.PANEL, {Role.PI}) == [Action.WITHDRAW]
