"""The audit trail: who created or changed organisations, memberships, platform roles, calls, tokens and
authenticators; append-only in the database; read on /staff/audit/ by the roles that need it."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import services
from accounts.models import MembershipRole, User
from accounts.roles import PlatformRole
from audit.models import AuditEvent, ObjectType
from audit.services import record
from tests.conftest import login_staff
from tests.factories import PASSWORD, CallFactory, MembershipFactory

URL = "/staff/audit/"
API = "/api/v1/audit-events/"


@pytest.fixture
def root(db):
    return User.objects.create_superuser(email="root@eurohpc.eu", password=PASSWORD)


def _events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id").values_list("action", "actor__email", "changes"))


def test_organisation_and_membership_services_write_events(alice, mallory):
    organisation = services.organisation_create(by=alice, legal_name="Borealis Oy", country="FI", type="sme")
    created = _events(object_type=ObjectType.ORGANISATION)
    assert created[0][:2] == ("organisation.created", alice.email)
    assert created[0][2]["legal_name"] == [None, "Borealis Oy"]
    services.organisation_update(organisation=organisation, by=alice, legal_name="Borealis AI Oy", short_name="")
    assert _events(object_type=ObjectType.ORGANISATION)[-1] == (
        "organisation.changed",
        alice.email,
        {"legal_name": ["Borealis Oy", "Borealis AI Oy"]},
    )
    member = MembershipFactory(organisation=organisation, user=mallory, role=MembershipRole.MEMBER)
    services.membership_set_role(membership=member, role=MembershipRole.OWNER, by=alice)
    services.membership_remove(membership=member, by=alice)
    actions = [action for action, _actor, _changes in _events(object_type=ObjectType.MEMBERSHIP)]
    assert actions == ["membership.created", "membership.changed", "membership.deleted"]
    assert _events(object_type=ObjectType.MEMBERSHIP)[1][2] == {"role": ["member", "owner"]}


def test_token_events(alice):
    token, _key = services.api_token_create(user=alice, name="script")
    services.api_token_revoke(token=token, by=alice)
    assert [e[0] for e in _events(object_type=ObjectType.TOKEN)] == ["token.created", "token.revoked"]
    assert "key_hash" not in str(_events())


def test_admin_changes_of_roles_and_calls_are_recorded(client, root, bob):
    from django.contrib.auth.models import Group

    login_staff(client, root)
    call = CallFactory(title="Large Scale 2027")
    response = client.get(f"/admin/allocations/call/{call.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = _as_post({name: form[name].value() for name in form.fields}, "")
    data.update(_inlines(response))
    data["title"] = "Large Scale 2027 (extended)"
    response = client.post(f"/admin/allocations/call/{call.pk}/change/", data)
    assert response.status_code == 302, [f.formset.errors for f in response.context["inline_admin_formsets"]] + [
        response.context["adminform"].form.errors
    ]
    (event,) = AuditEvent.objects.filter(object_type=ObjectType.CALL)
    assert (event.action, event.actor, event.object_id) == ("call.changed", root, str(call.pk))
    assert event.changes["title"] == ["Large Scale 2027", "Large Scale 2027 (extended)"]

    manager_group = Group.objects.get(name=PlatformRole.CALL_MANAGER)
    admin_form = client.get(f"/admin/accounts/user/{bob.pk}/change/").context["adminform"].form
    data = {
        "email": bob.email,
        "full_name": bob.full_name,
        "timezone": "",
        "is_active": "on",
        "groups": [str(g.pk) for g in bob.groups.all()] + [str(manager_group.pk)],
        "date_joined_0": timezone.localtime(bob.date_joined).date().isoformat(),
        "date_joined_1": timezone.localtime(bob.date_joined).time().strftime("%H:%M:%S"),
    }
    assert "groups" in admin_form.fields
    response = client.post(f"/admin/accounts/user/{bob.pk}/change/", data)
    assert response.status_code == 302
    (event,) = AuditEvent.objects.filter(object_type=ObjectType.USER, object_id=str(bob.pk))
    assert event.action == "user.changed" and event.actor == root
    old, new = event.changes["groups"]
    assert len(new) == len(old) + 1 and str(manager_group.pk) in new


def _as_post(values: dict, prefix: str) -> dict:
    """Form values as the admin's widgets post them (date and time apart, nothing for empty values)."""
    data = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            data[f"{prefix}{name}_0"], data[f"{prefix}{name}_1"] = local.date().isoformat(), local.strftime("%H:%M:%S")
        elif isinstance(value, dt.date):
            data[f"{prefix}{name}"] = value.isoformat()
        elif isinstance(value, bool):
            if value:
                data[f"{prefix}{name}"] = "on"
        else:
            data[f"{prefix}{name}"] = value
    return data


def _inlines(response) -> dict:
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({f"{formset.prefix}-{name}": management[name].value() for name in management.fields})
        for index, form in enumerate(formset.forms):
            data.update(_as_post({name: form[name].value() for name in form.fields}, f"{formset.prefix}-{index}-"))
    return data


def test_the_database_refuses_to_change_or_delete_events(alice):
    event = record(actor=alice, action="organisation.created", object_type=ObjectType.ORGANISATION, object_id=1)
    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "organisation.created"


def test_who_may_read_the_audit_page(client, alice, bob, carol, dora, root):
    client.force_login(alice)
    assert client.get(URL).status_code == 403
    for user in (bob, dora):  # reviewers and finance admins have no audit page
        login_staff(client, user)
        assert client.get(URL).status_code == 403
        assert client.get(API).status_code == 403
    login_staff(client, carol)
    assert client.get(URL).status_code == 200
    client.force_login(root)  # a password-only session of a superuser
    assert client.get(URL).status_code == 302


@pytest.fixture
def trail(alice, bob, carol, root):
    now = timezone.now()
    record(actor=alice, action="organisation.created", object_type="organisation", object_id=7, now=now)
    record(
        actor=bob, action="membership.changed", object_type="membership", object_id=8, now=now - dt.timedelta(days=3)
    )
    record(actor=root, action="call.changed", object_type="call", object_id=9, now=now - dt.timedelta(days=10))
    record(actor=root, action="token.created", object_type="token", object_id=10, now=now)
    return now


def test_filters_and_what_each_role_sees(client, carol, root, trail):
    login_staff(client, carol)
    page = client.get(URL).content.decode()
    assert "organisation.created" in page and "call.changed" in page
    assert "token.created" not in page  # security records: superusers only
    assert "token.created" not in str(client.get(API).json())
    assert "membership.changed" not in client.get(URL, {"actor": "alice"}).content.decode()
    assert [e["object_id"] for e in client.get(API, {"object_type": "call", "object_id": "9"}).json()["results"]] == [
        "9"
    ]
    today = timezone.localdate(trail)
    since = (today - dt.timedelta(days=4)).isoformat()
    ids = [e["object_id"] for e in client.get(API, {"since": since, "until": today.isoformat()}).json()["results"]]
    assert ids == ["7", "8"]
    empty = client.get(URL, {"object_id": "nothing"}).content.decode()
    assert "No events match these filters." in empty
    response = client.get(URL, {"since": today.isoformat(), "until": (today - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert client.get(API, {"since": "not-a-date"}).status_code == 400
    login_staff(client, root)
    assert "token.created" in client.get(URL).content.decode()


def test_the_page_is_paginated_with_a_bounded_number_of_queries(client, root, alice, django_assert_max_num_queries):
    for i in range(120):
        record(actor=alice, action="organisation.changed", object_type="organisation", object_id=i)
    login_staff(client, root)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("organisation.changed") == 50
    assert "Page 1 of 3" in response.content.decode()
    with django_assert_max_num_queries(12):
        assert len(client.get(API).json()["results"]) == 50


def test_the_call_designer_writes_the_audit_trail(carol):
    from allocations.applications.calls.services import call_update

    call = CallFactory(title="Fast Lane 2027")
    call_update(call_id=call.pk, by=carol, values={"summary": "Shorter runs."})
    (event,) = AuditEvent.objects.filter(object_type=ObjectType.CALL, object_id=str(call.pk))
    assert event.actor == carol and event.action.startswith("call.")
    assert "summary" in str(event.changes)
