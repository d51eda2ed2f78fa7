"""Owners manage members; an organisation always keeps an owner; every outcome has a clear message."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import Membership, MembershipRole
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def ben(alice_org):
    user = UserFactory(email="ben@aurora-ai.eu", full_name="Ben Member")
    MembershipFactory(organisation=alice_org, user=user, role=MembershipRole.MEMBER)
    return user


def _membership(org, user) -> Membership:
    return Membership.objects.select_related("organisation").get(organisation=org, user=user)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_last_owner_cannot_leave(client, alice, alice_org, ben):
    client.force_login(alice)
    response = client.post(f"/organisations/{alice_org.pk}/members/{_membership(alice_org, alice).pk}/remove/")
    assert response.status_code == 302
    assert response.url == f"/organisations/{alice_org.pk}/members/"
    assert "You are the last owner of Aurora. Make another member owner before leaving." in _messages(response)
    assert _membership(alice_org, alice).role == MembershipRole.OWNER


def test_last_owner_cannot_be_demoted(client, alice, alice_org):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/members/{_membership(alice_org, alice).pk}/role/", {"role": "member"}
    )
    assert "An organisation needs at least one owner. Make someone else owner first." in _messages(response)
    assert _membership(alice_org, alice).role == MembershipRole.OWNER
    with pytest.raises(ValidationError):
        services.membership_set_role(membership=_membership(alice_org, alice), role="member", by=alice)


def test_owner_promotes_a_member_then_may_leave(client, alice, alice_org, ben):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/members/{_membership(alice_org, ben).pk}/role/", {"role": "owner"}
    )
    assert "Ben Member is now owner." in _messages(response)
    response = client.post(f"/organisations/{alice_org.pk}/members/{_membership(alice_org, alice).pk}/remove/")
    assert response.url == "/organisations/"
    assert "You left Aurora." in _messages(response)
    assert list(alice_org.memberships.values_list("user__email", "role")) == [("ben@aurora-ai.eu", "owner")]


def test_a_member_may_leave(client, alice_org, ben):
    client.force_login(ben)
    response = client.post(f"/organisations/{alice_org.pk}/members/{_membership(alice_org, ben).pk}/remove/")
    assert response.url == "/organisations/"
    assert "You left Aurora." in _messages(response)
    assert not Membership.objects.filter(user=ben).exists()


def test_owner_removes_a_member(client, alice, alice_org, ben):
    client.force_login(alice)
    response = client.post(f"/organisations/{alice_org.pk}/members/{_membership(alice_org, ben).pk}/remove/")
    assert "Ben Member was removed from Aurora." in _messages(response)
    assert not Membership.objects.filter(user=ben).exists()


def test_invalid_role_is_a_message_not_a_500(client, alice, alice_org, ben):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/members/{_membership(alice_org, ben).pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 302
    assert "Choose owner or member." in _messages(response)
    assert _membership(alice_org, ben).role == MembershipRole.MEMBER


def test_services_refuse_non_owners(alice, alice_org, ben):
    with pytest.raises(PermissionDenied):
        services.membership_set_role(membership=_membership(alice_org, alice), role="member", by=ben)
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=_membership(alice_org, alice), by=ben)
    with pytest.raises(PermissionDenied):
        services.invitation_create(organisation=alice_org, email="x@example.eu", by=ben)


def test_membership_of_another_organisation_is_404(client, alice, alice_org, mallory):
    """An owner cannot reach a membership of another organisation through their own organisation's URL."""
    foreign = Membership.objects.get(user=mallory)
    client.force_login(alice)
    assert client.post(f"/organisations/{alice_org.pk}/members/{foreign.pk}/remove/").status_code == 404
    assert (
        client.post(f"/organisations/{alice_org.pk}/members/{foreign.pk}/role/", {"role": "member"}).status_code == 404
    )
    assert Membership.objects.filter(pk=foreign.pk).exists()


def _run_at_once(*actions) -> list[str]:
    """Run the actions in threads released together; returns "ok" or the error class name for each."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(actions))
    results: list[str] = [""] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            action()
            results[index] = "ok"
        except Exception as exc:
            results[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner(alice, alice_org):
    carl = UserFactory(email="carl@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=carl, role=MembershipRole.OWNER)
    for _ in range(3):
        results = _run_at_once(
            lambda: services.membership_remove(membership=_membership(alice_org, alice), by=alice),
            lambda: services.membership_remove(membership=_membership(alice_org, carl), by=carl),
        )
        assert sorted(results) == ["ValidationError", "ok"], results
        assert alice_org.memberships.filter(role=MembershipRole.OWNER).count() == 1
        # Put the one who left back as owner for the next round.
        gone = alice if results[0] == "ok" else carl
        MembershipFactory(organisation=alice_org, user=gone, role=MembershipRole.OWNER)


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(alice, alice_org):
    carl = UserFactory(email="carl@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=carl, role=MembershipRole.OWNER)
    results = _run_at_once(
        lambda: services.membership_set_role(membership=_membership(alice_org, carl), role="member", by=alice),
        lambda: services.membership_set_role(membership=_membership(alice_org, alice), role="member", by=carl),
    )
    owners = alice_org.memberships.filter(role=MembershipRole.OWNER).count()
    assert owners == 1, results
    assert sorted(results) in (["PermissionDenied", "ok"], ["ValidationError", "ok"]), results
