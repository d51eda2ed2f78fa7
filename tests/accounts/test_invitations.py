"""Invitations: signed, single use, 7 days, only for the invited address. Every refusal is a form error on the
page and a 400 with a ``token`` field error on the API, never a 500."""

import time

import pytest
from django.core import signing
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, InvitationStatus, Membership, MembershipRole
from tests.factories import UserFactory

EXPIRED = "This invitation has expired. Ask an owner of the organisation for a new one."
USED = "This invitation has already been used or withdrawn."
INVALID = "This invitation link is not valid."


@pytest.fixture
def erin(db):
    return UserFactory(email="erin@aurora-ai.eu", full_name="Erin Engineer")


@pytest.fixture
def invitation(alice, alice_org, erin):
    return services.invitation_create(organisation=alice_org, email="Erin@Aurora-AI.eu ", by=alice)


@pytest.fixture
def token(invitation):
    return services.invitation_token(invitation)


def _signed_days_ago(payload: dict, days: int) -> str:
    class PastSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - days * 86400)

    return PastSigner(salt=services.INVITATION_SALT).sign_object(payload, compress=True)


def _answer_page(client, token, answer="accept"):
    return client.post(f"/invitations/{token}/", {"answer": answer})


def _answer_api(client, token, answer="accept"):
    return client.post(
        "/api/v1/invitations/answer/", {"token": token, "answer": answer}, content_type="application/json"
    )


def _assert_refused(client, token, message):
    """The page says why before any click, refuses the answer, and the API answers 400 {"token": [message]}."""
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Accept" not in response.content.decode()
    response = _answer_page(client, token)
    assert response.status_code == 400
    assert message in response.context["errors"]
    response = _answer_api(client, token)
    assert response.status_code == 400, response.content
    assert response.json() == {"token": [message], "detail": message, "code": "invalid"}


def test_accept_on_the_page_joins_with_the_invited_role(client, erin, invitation, token, alice_org):
    assert invitation.email == "erin@aurora-ai.eu"  # normalised
    client.force_login(erin)
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert "Alice Applicant invited you to join <strong>Aurora AI OÜ</strong> as Member." in page.content.decode()
    response = _answer_page(client, token)
    assert response.status_code == 302
    assert response.url == f"/organisations/{alice_org.pk}/"
    assert Membership.objects.get(user=erin).role == MembershipRole.MEMBER
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.responded_by == erin


def test_accept_on_the_api(client, erin, invitation, token, alice_org):
    client.force_login(erin)
    response = _answer_api(client, token)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert Membership.objects.filter(user=erin, organisation=alice_org).exists()


def test_expired_invitation_is_refused(client, erin, invitation, token):
    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timezone.timedelta(days=8))
    client.force_login(erin)
    response = _answer_page(client, token)
    assert response.status_code == 400
    assert EXPIRED in response.context["errors"]
    response = _answer_api(client, token)
    assert response.status_code == 400
    assert response.json() == {"token": [EXPIRED], "detail": EXPIRED, "code": "invalid"}
    assert not Membership.objects.filter(user=erin).exists()


def test_token_signed_more_than_seven_days_ago_is_expired(client, erin, invitation):
    token = _signed_days_ago({"id": invitation.pk, "email": invitation.email}, days=8)
    client.force_login(erin)
    _assert_refused(client, token, EXPIRED)
    assert not Membership.objects.filter(user=erin).exists()
    # Six days old is still fine.
    fresh = _signed_days_ago({"id": invitation.pk, "email": invitation.email}, days=6)
    assert _answer_api(client, fresh).status_code == 200


def test_reused_invitation_is_refused(client, erin, invitation, token):
    client.force_login(erin)
    assert _answer_page(client, token).status_code == 302
    Membership.objects.filter(user=erin).delete()  # left again; the old link must not let them back in
    _assert_refused(client, token, USED)
    assert not Membership.objects.filter(user=erin).exists()


def test_declined_invitation_cannot_be_accepted_later(client, erin, invitation, token):
    client.force_login(erin)
    response = _answer_page(client, token, answer="decline")
    assert response.status_code == 302
    assert _answer_api(client, token).json() == {"token": [USED], "detail": USED, "code": "invalid"}
    assert not Membership.objects.filter(user=erin).exists()


def test_withdrawn_invitation_is_refused(client, alice, erin, invitation, token):
    services.invitation_revoke(invitation=invitation, by=alice)
    client.force_login(erin)
    assert _answer_api(client, token).json() == {"token": [USED], "detail": USED, "code": "invalid"}


def test_invitation_answered_by_another_email_is_refused(client, mallory, invitation, token):
    client.force_login(mallory)
    message = "This invitation was sent to erin@aurora-ai.eu. Log in with that address to answer it."
    _assert_refused(client, token, message)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Membership.objects.filter(user=mallory, organisation=invitation.organisation).exists()


@pytest.mark.parametrize(
    "bad",
    ["garbage", "", "a" * 300, signing.dumps({"id": 1, "email": "x@y.z"}, salt="other.salt"), signing.dumps([1, 2])],
)
def test_tampered_or_garbage_tokens_are_refused(client, erin, bad):
    client.force_login(erin)
    response = _answer_api(client, bad)
    assert response.status_code == 400
    assert "token" in response.json()
    if bad:
        response = client.get(f"/invitations/{bad}/")
        assert response.status_code == 400
        assert INVALID in response.content.decode()


def test_token_for_another_invitation_id_is_refused(client, erin, invitation):
    forged = signing.dumps({"id": invitation.pk, "email": "mallory@other.example"}, salt=services.INVITATION_SALT)
    client.force_login(erin)
    assert _answer_api(client, forged).json() == {"token": [INVALID], "detail": INVALID, "code": "invalid"}


def test_missing_answer_is_a_form_error(client, erin, token):
    client.force_login(erin)
    response = client.post(f"/invitations/{token}/", {"answer": "maybe"})
    assert response.status_code == 400
    response = client.post("/api/v1/invitations/answer/", {"token": token}, content_type="application/json")
    assert response.status_code == 400
    assert "answer" in response.json()


def test_inviting_an_existing_member_or_a_bad_address_is_a_form_error_and_api_400(client, alice, alice_org, mallory):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/invitations/", {"email": "alice@aurora-ai.eu", "role": "member"}
    )
    assert response.status_code == 400
    assert "alice@aurora-ai.eu is already a member." in response.context["invitation_form"].errors["email"]
    response = client.post(f"/organisations/{alice_org.pk}/invitations/", {"email": "not an email", "role": "member"})
    assert response.status_code == 400
    assert "email" in response.context["invitation_form"].errors
    api = f"/api/v1/organisations/{alice_org.pk}/invitations/"
    response = client.post(api, {"email": "alice@aurora-ai.eu"}, content_type="application/json")
    assert response.status_code == 400
    message = "alice@aurora-ai.eu is already a member."
    assert response.json() == {"email": [message], "detail": message, "code": "invalid"}
    response = client.post(api, {"email": "x@example.eu", "role": "admin"}, content_type="application/json")
    assert response.status_code == 400
    assert "role" in response.json()


def test_owner_invites_on_the_page_and_the_api(client, alice, alice_org):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/invitations/", {"email": "new@aurora-ai.eu", "role": "owner"}
    )
    assert response.status_code == 302
    api = f"/api/v1/organisations/{alice_org.pk}/invitations/"
    response = client.post(api, {"email": "second@aurora-ai.eu"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "member"
    pending = client.get(api).json()
    assert sorted(i["email"] for i in pending["results"]) == ["new@aurora-ai.eu", "second@aurora-ai.eu"]
    # A second invitation to the same address replaces the first.
    client.post(api, {"email": "second@aurora-ai.eu", "role": "owner"}, content_type="application/json")
    assert Invitation.objects.filter(email="second@aurora-ai.eu", status=InvitationStatus.PENDING).get().role == "owner"


def test_purge_marks_old_pending_invitations_revoked(alice, alice_org, invitation):
    from accounts.tasks import purge_expired_invitations

    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timezone.timedelta(days=8))
    assert purge_expired_invitations() == 1
    assert purge_expired_invitations() == 0
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_use_the_invitation_once(alice, alice_org):
    from tests.accounts.test_memberships import _run_at_once

    erin = UserFactory(email="erin@aurora-ai.eu")
    invitation = services.invitation_create(organisation=alice_org, email=erin.email, by=alice)
    token = services.invitation_token(invitation)
    results = _run_at_once(
        lambda: services.invitation_accept(token=token, by=erin),
        lambda: services.invitation_decline(token=token, by=erin),
    )
    assert sorted(results) == ["ValidationError", "ok"], results
    invitation.refresh_from_db()
    joined = Membership.objects.filter(user=erin, organisation=alice_org).exists()
    assert joined == (invitation.status == InvitationStatus.ACCEPTED)
