"""The Team step: autosave never emails; an owner invites a saved colleague with an explicit "Invite"; more rows."""

from allocations.models import ApplicationMember
from tests.factories import MembershipFactory, UserFactory


def _team(*emails: str, rows: int = 2) -> dict:
    data = {"version": 0, "members-TOTAL_FORMS": rows, "members-INITIAL_FORMS": 0}
    for i in range(rows):
        data[f"members-{i}-email"] = emails[i] if i < len(emails) else ""
        data[f"members-{i}-role"] = "researcher"
    return data


def test_autosave_of_a_half_typed_address_emails_nobody(
    alice_org, alice_client, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            f"/applications/{draft.pk}/edit/team/", _team("kadri@ut.ee"), headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert ApplicationMember.objects.filter(application=draft, email="kadri@ut.ee").exists()
    assert not alice_org.invitations.exists()
    assert len(callbacks) == 0


def test_invite_sends_one_invitation_and_says_so(alice_org, alice_client, draft, django_capture_on_commit_callbacks):
    alice_client.post(f"/applications/{draft.pk}/edit/team/", _team("kadri.tamm@ut.ee"))
    page = alice_client.get(f"/applications/{draft.pk}/edit/team/").content.decode()
    assert "Invite kadri.tamm@ut.ee" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(f"/applications/{draft.pk}/team/invite/", {"invite": "kadri.tamm@ut.ee"})
    assert response.status_code == 302
    assert response.url == f"/applications/{draft.pk}/edit/team/"
    assert list(alice_org.invitations.values_list("email", "status")) == [("kadri.tamm@ut.ee", "pending")]
    assert len(callbacks) == 1  # the invitation email, through the outbox after commit
    page = alice_client.get(response.url).content.decode()
    assert "Invitation sent to kadri.tamm@ut.ee." in page
    assert "Invite kadri.tamm@ut.ee" not in page  # already invited


def test_only_saved_team_addresses_are_invited(alice_org, alice_client, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(f"/applications/{draft.pk}/team/invite/", {"invite": "kadri@ut.ee"}, follow=True)
    assert response.status_code == 200
    assert "Save kadri@ut.ee in the team first" in response.content.decode()
    assert not alice_org.invitations.exists()
    assert len(callbacks) == 0


def test_a_member_who_is_not_owner_cannot_invite(alice_org, client, draft, django_capture_on_commit_callbacks):
    member = UserFactory(email="mari@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=member)
    client.force_login(member)
    client.post(f"/applications/{draft.pk}/edit/team/", _team("kadri@ut.ee"))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/applications/{draft.pk}/team/invite/", {"invite": "kadri@ut.ee"}, follow=True)
    assert "Only an owner of the organisation can invite" in response.content.decode()
    assert not alice_org.invitations.exists()
    assert len(callbacks) == 0


def test_another_organisation_cannot_invite_to_the_team(client, mallory, draft):
    client.force_login(mallory)
    assert client.post(f"/applications/{draft.pk}/team/invite/", {"invite": "x@y.eu"}).status_code == 404


def test_more_than_two_team_rows(alice_client, draft):
    data = _team("a@ut.ee", "b@ut.ee") | {"add_member": ""}
    response = alice_client.post(f"/applications/{draft.pk}/edit/team/", data)
    assert response.status_code == 302
    assert response.url == f"/applications/{draft.pk}/edit/team/?rows=3"
    page = alice_client.get(response.url).content.decode()
    assert 'name="members-2-email"' in page
    page = alice_client.get(f"/applications/{draft.pk}/edit/team/?rows=6").content.decode()
    assert 'name="members-5-email"' in page
    assert 'name="members-6-email"' not in page
    saved = _team("a@ut.ee", "b@ut.ee", "c@ut.ee", rows=3) | {"version": 1, "members-INITIAL_FORMS": 2}
    assert alice_client.post(f"/applications/{draft.pk}/edit/team/", saved).status_code == 302
    assert ApplicationMember.objects.filter(application=draft).count() == 3
