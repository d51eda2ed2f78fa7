"""Non-members get 404 for another organisation's pages and API objects; members who are not owners get 403."""

import pytest

from accounts import services
from accounts.models import Invitation, Membership, MembershipRole, Organisation
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def ben(alice_org):
    """A member (not owner) of alice's organisation."""
    user = UserFactory(email="ben@aurora-ai.eu", full_name="Ben Member")
    MembershipFactory(organisation=alice_org, user=user, role=MembershipRole.MEMBER)
    return user


@pytest.fixture
def invitation(alice, alice_org):
    return services.invitation_create(organisation=alice_org, email="new@aurora-ai.eu", by=alice)


def _pages(org, invitation, alice):
    owner_membership = Membership.objects.get(organisation=org, user=alice)
    return {
        "GET": [f"/organisations/{org.pk}/", f"/organisations/{org.pk}/edit/", f"/organisations/{org.pk}/members/"],
        "POST": [
            (f"/organisations/{org.pk}/edit/", {"legal_name": "Taken over", "country": "EE", "type": "sme"}),
            (f"/organisations/{org.pk}/invitations/", {"email": "spy@other.example", "role": "owner"}),
            (f"/organisations/{org.pk}/invitations/{invitation.pk}/revoke/", {}),
            (f"/organisations/{org.pk}/members/{owner_membership.pk}/role/", {"role": "member"}),
            (f"/organisations/{org.pk}/members/{owner_membership.pk}/remove/", {}),
        ],
    }


def _unchanged(org, invitation, alice):
    org.refresh_from_db()
    invitation.refresh_from_db()
    assert org.legal_name == "Aurora AI OÜ"
    assert invitation.status == "pending"
    assert Membership.objects.get(organisation=org, user=alice).role == MembershipRole.OWNER
    assert not Invitation.objects.filter(email="spy@other.example").exists()


def test_non_member_gets_404_on_every_page_and_post(client, alice, alice_org, invitation, mallory):
    client.force_login(mallory)
    pages = _pages(alice_org, invitation, alice)
    for url in pages["GET"]:
        assert client.get(url).status_code == 404, url
    for url, data in pages["POST"]:
        assert client.post(url, data).status_code == 404, url
    _unchanged(alice_org, invitation, alice)


def test_unknown_organisation_is_404_like_a_foreign_one(client, mallory):
    client.force_login(mallory)
    assert client.get("/organisations/999999/").status_code == 404
    assert client.get("/api/v1/organisations/999999/").status_code == 404


def test_non_member_gets_404_on_the_api(client, alice, alice_org, invitation, mallory):
    client.force_login(mallory)
    base = f"/api/v1/organisations/{alice_org.pk}/"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"legal_name": "Taken over"}, content_type="application/json").status_code == 404
    assert client.get(base + "members/").status_code == 404
    assert client.get(base + "invitations/").status_code == 404
    response = client.post(base + "invitations/", {"email": "spy@other.example"}, content_type="application/json")
    assert response.status_code == 404
    assert alice_org.pk not in [o["id"] for o in client.get("/api/v1/organisations/").json()["results"]]
    _unchanged(alice_org, invitation, alice)


def test_member_who_is_not_owner_reads_but_gets_403_on_owner_actions(client, alice, alice_org, invitation, ben):
    client.force_login(ben)
    pages = _pages(alice_org, invitation, alice)
    assert client.get(pages["GET"][0]).status_code == 200
    assert client.get(pages["GET"][2]).status_code == 200
    assert client.get(pages["GET"][1]).status_code == 403
    for url, data in pages["POST"]:
        assert client.post(url, data).status_code == 403, url
    _unchanged(alice_org, invitation, alice)


def test_member_who_is_not_owner_gets_403_on_api_writes(client, alice, alice_org, invitation, ben):
    client.force_login(ben)
    base = f"/api/v1/organisations/{alice_org.pk}/"
    assert client.get(base).json()["my_role"] == "member"
    assert client.get(base + "members/").status_code == 200
    response = client.patch(base, {"legal_name": "Taken over"}, content_type="application/json")
    assert response.status_code == 403
    assert "owners" in response.json()["detail"]
    assert client.get(base + "invitations/").status_code == 403
    response = client.post(base + "invitations/", {"email": "spy@other.example"}, content_type="application/json")
    assert response.status_code == 403
    _unchanged(alice_org, invitation, alice)


def test_owner_can_edit_on_the_page_and_the_api(client, alice, alice_org):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/edit/",
        {"legal_name": "Aurora AI OÜ", "short_name": "Aurora", "country": "EE", "type": "sme"},
    )
    assert response.status_code == 302
    response = client.patch(
        f"/api/v1/organisations/{alice_org.pk}/", {"short_name": "AuroraAI"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["short_name"] == "AuroraAI"
    alice_org.refresh_from_db()
    assert (alice_org.type, alice_org.short_name) == ("sme", "AuroraAI")


def test_anonymous_is_sent_to_login_and_the_api_answers_401(client, alice_org):
    response = client.get(f"/organisations/{alice_org.pk}/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_member_pages_show_members_and_owner_controls_only_to_owners(client, alice, alice_org, ben):
    client.force_login(ben)
    page = client.get(f"/organisations/{alice_org.pk}/members/").content.decode()
    assert "ben@aurora-ai.eu" in page and "alice@aurora-ai.eu" in page
    assert "Invite a colleague" not in page and "Change role" not in page
    assert "Leave" in page
    client.force_login(alice)
    page = client.get(f"/organisations/{alice_org.pk}/members/").content.decode()
    assert "Invite a colleague" in page and "Change role" in page


def test_organisation_detail_counts_all_members(client, alice, alice_org, ben):
    client.force_login(alice)
    response = client.get(f"/organisations/{alice_org.pk}/")
    assert response.context["organisation"].member_count == 2
    assert "2 members" in response.content.decode()
    response = client.get("/organisations/")
    assert [o.member_count for o in response.context["organisations"]] == [2]
    assert Organisation.objects.count() == 1
