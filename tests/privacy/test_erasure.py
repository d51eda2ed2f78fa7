"""Erase my account: the person becomes "Erased user #n", the records stay and keep their invariants, and the
erasure is refused, with the reason, while the person is on a grant, owes a decision or holds a staff role."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, Invitation, Membership, MembershipRole, User
from accounts.tokens import api_token_create
from allocations.applications.workflow import Status
from allocations.models import Application, ApplicationEvent, ApplicationMember, ClusterUsername, GrantMember
from allocations.models.capacity import Grant, GrantStatus
from audit.models import AuditEvent
from ledger.models import Transfer
from privacy.models import Erasure
from privacy.services import account_erase, erasure_refusals
from reviews.models import ReviewEvent
from tests.conftest import PASSWORD
from tests.factories import ApplicationFactory, GigafactoryFactory, MembershipFactory, UserFactory
from tests.factories.usage import active_grant


def erase(user, password=PASSWORD, confirmation=None):
    return account_erase(user=user, by=user, password=password, confirmation=confirmation or user.email)


@pytest.fixture
def gigafactory(db):
    return GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE", accelerator_count=1000)


@pytest.fixture
def grant(alice, alice_org, carol, gigafactory):
    return active_grant(by=carol, gigafactory=gigafactory, hours=100, organisation=alice_org, pi=alice)


def ledger_is_consistent() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT ledger_id FROM ledger_account GROUP BY ledger_id HAVING"
            " sum(debits_pending) <> sum(credits_pending) OR sum(debits_posted) <> sum(credits_posted)) unbalanced"
        )
        unbalanced = cursor.fetchone()[0]
        cursor.execute(
            """
            WITH open_pending AS (SELECT t.* FROM ledger_transfer t WHERE t.pending
                AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.id)),
            posted AS (SELECT * FROM ledger_transfer WHERE NOT pending AND NOT void_pending)
            SELECT count(*) FROM ledger_account a WHERE
                a.debits_pending <> coalesce((SELECT sum(amount) FROM open_pending WHERE debit_account_id = a.id), 0)
             OR a.credits_pending <> coalesce((SELECT sum(amount) FROM open_pending WHERE credit_account_id = a.id), 0)
             OR a.debits_posted <> coalesce((SELECT sum(amount) FROM posted WHERE debit_account_id = a.id), 0)
             OR a.credits_posted <> coalesce((SELECT sum(amount) FROM posted WHERE credit_account_id = a.id), 0)
            """
        )
        drifted = cursor.fetchone()[0]
    return unbalanced == 0 and drifted == 0


def test_erasure_pseudonymises_the_person_and_forgets_what_only_describes_them(alice, alice_org, mallory):
    draft = ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice, title="Estonian LLM")
    others = ApplicationFactory(organisation=mallory.organisations.get(), created_by=mallory, pi=mallory)
    ApplicationMember.objects.create(application=others, email="alice@aurora-ai.eu", user=alice)
    Application.objects.filter(pk=others.pk).update(suggested_reviewers=["Alice@aurora-ai.eu", "x@example.eu"])
    Invitation.objects.create(organisation=mallory.organisations.get(), email="alice@aurora-ai.eu", invited_by=mallory)
    api_token_create(user=alice, name="script", scopes={"read"})
    ClusterUsername.objects.create(user=alice, gigafactory=GigafactoryFactory(), username="alice")
    User.objects.filter(pk=alice.pk).update(orcid="0000-0002-1825-0097")

    erasure = erase(alice)

    alice.refresh_from_db()
    assert alice.full_name == f"Erased user #{erasure.pk}" and str(alice) == f"Erased user #{erasure.pk}"
    assert alice.email == f"erased-{erasure.pk}@erased.invalid"
    assert not alice.is_active and not alice.has_usable_password() and alice.orcid == ""
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert not ApiToken.objects.filter(user=alice).exists() and not ClusterUsername.objects.filter(user=alice).exists()
    assert not Membership.objects.filter(user=alice).exists()
    assert ApplicationMember.objects.get(application=others).email == alice.email
    assert Application.objects.get(pk=others.pk).suggested_reviewers == [alice.email, "x@example.eu"]
    (invitation,) = Invitation.objects.filter(invited_by=mallory)
    assert invitation.email == alice.email and invitation.status == "revoked"
    assert Application.objects.get(pk=draft.pk).pi == alice  # the records stay, pointing at the pseudonym
    assert not User.objects.filter(email__icontains="aurora-ai").exists()
    (event,) = AuditEvent.objects.filter(action="user.erased")
    assert event.object_label == alice.full_name and "aurora" not in str(event.changes)


def test_erasure_keeps_the_ledger_and_the_event_logs_intact(alice, grant, reviewed):
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.CLOSED)
    Application.objects.filter(pk=grant.application_id).update(status=Status.CLOSED)
    Application.objects.filter(pk=reviewed.pk).update(status=Status.REJECTED)
    counts = (Transfer.objects.count(), ApplicationEvent.objects.count(), ReviewEvent.objects.count())
    assert ledger_is_consistent()

    erase(alice)

    assert (Transfer.objects.count(), ApplicationEvent.objects.count(), ReviewEvent.objects.count()) == counts
    assert ledger_is_consistent()
    submitted = ApplicationEvent.objects.filter(application=reviewed, action="submit").get()
    assert submitted.actor.display_name.startswith("Erased user #")


def test_erasure_is_refused_while_the_person_is_on_an_active_grant(alice, grant, password):
    (reason,) = erasure_refusals(user=alice)
    assert grant.application.reference in reason and "active" in reason
    with pytest.raises(ValidationError):
        erase(alice)
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@aurora-ai.eu" and not Erasure.objects.exists()


def test_a_member_of_a_grant_team_is_refused_too(grant, db):
    member = UserFactory(email="tom@aurora-ai.eu")
    GrantMember.objects.create(application=grant.application, user=member, added_by=grant.application.pi)
    assert any(grant.application.reference in reason for reason in erasure_refusals(user=member))


def test_erasure_is_refused_while_an_application_is_being_decided(alice, reviewed):
    (reason,) = erasure_refusals(user=alice)
    assert reviewed.reference in reason and "Withdraw it" in reason


def test_staff_are_refused_with_the_reason(carol):
    (reason,) = erasure_refusals(user=carol)
    assert "staff role" in reason


def test_the_last_owner_of_an_organisation_with_members_is_refused(alice, alice_org):
    assert erasure_refusals(user=alice) == []
    MembershipFactory(organisation=alice_org, user=UserFactory(), role=MembershipRole.MEMBER)
    (reason,) = erasure_refusals(user=alice)
    assert "last owner of Aurora" in reason


def test_the_page_refuses_a_wrong_password_or_confirmation_and_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(reverse("account_erase"), {"password": "wrong", "confirmation": "alice@other.eu"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"password", "confirmation"}
    alice.refresh_from_db()
    assert alice.is_active and not Erasure.objects.exists()


def test_the_page_shows_why_erasure_is_refused_instead_of_the_form(client, carol):
    client.force_login(carol)
    response = client.get(reverse("data_rights"))
    assert b"cannot be erased now" in response.content and b'name="password"' not in response.content


def test_the_page_erases_and_signs_out_everywhere(client, alice):
    other_session = APIClient()
    other_session.force_login(alice)
    client.force_login(alice)
    response = client.post(reverse("account_erase"), {"password": PASSWORD, "confirmation": "ALICE@aurora-ai.eu"})
    assert response.status_code == 200 and b"Your account was erased" in response.content
    assert client.get(reverse("profile")).status_code == 302
    assert other_session.get(reverse("profile")).status_code == 302
    assert not client.login(username="alice@aurora-ai.eu", password=PASSWORD)


def test_the_api_erases_with_the_password_and_refuses_with_field_errors(alice):
    _token, key = api_token_create(user=alice, name="script", scopes={"read", "write"})
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    bad = api.post("/api/v1/me/erase/", {"password": "nope", "confirmation": alice.email}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "password" in bad.json()
    response = api.post("/api/v1/me/erase/", {"password": PASSWORD, "confirmation": alice.email}, format="json")
    assert response.status_code == 200 and response.json()["pseudonym"].startswith("Erased user #")
    assert api.get("/api/v1/me/").status_code == 401


def test_the_api_refuses_with_every_reason(alice, grant):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post("/api/v1/me/erase/", {"password": PASSWORD, "confirmation": alice.email}, format="json")
    assert response.status_code == 400 and grant.application.reference in str(response.json()["non_field_errors"])


def test_erasure_is_refused_while_the_final_report_of_an_ended_award_is_owed(alice, grant):
    import datetime as dt

    from django.utils import timezone

    from allocations.models import Award, FinalReport, ReportStatus
    from allocations.postaward.reports.services import final_reports_open

    ends_before = timezone.localdate() - dt.timedelta(days=10)
    Grant.objects.filter(award=grant.award).update(
        status=GrantStatus.CLOSED, starts_on=ends_before - dt.timedelta(days=90), ends_on=ends_before
    )
    Award.objects.filter(pk=grant.award_id).update(starts_on=ends_before - dt.timedelta(days=90), ends_on=ends_before)
    Application.objects.filter(pk=grant.application_id).update(status=Status.CLOSED)

    (owed,) = erasure_refusals(user=alice)  # ended, the report not opened yet
    assert "final report" in owed and grant.application.reference in owed
    assert final_reports_open() == 1
    assert erasure_refusals(user=alice) == [owed]  # the draft is open
    FinalReport.objects.update(
        status=ReportStatus.SUBMITTED, submitted_at=timezone.now(), acknowledgement_confirmed=True
    )
    assert erasure_refusals(user=alice) == []
    erase(alice)
    assert FinalReport.objects.get().award.application.pi.display_name.startswith("Erased user #")


def test_a_person_named_in_an_open_change_request_is_refused_and_finds_it_in_the_export(alice, grant):
    from django.utils import timezone

    from allocations.models import ChangeRequest
    from privacy.export import export_build
    from tests.privacy.conftest import section, unzip

    tom = UserFactory(email="tom@aurora-ai.eu", full_name="Tom Newcomer")
    now = timezone.now()
    request = ChangeRequest.objects.create(
        grant=grant,
        kind="team_change",
        status="submitted",
        requested_by=alice,
        justification="Tom trains it.",
        created_at=now,
        updated_at=now,
        person=tom,
        team_operation="add",
    )
    (reason,) = erasure_refusals(user=tom)
    assert "change request names you" in reason and grant.application.reference in reason
    (row,) = section(unzip(export_build(user=tom)), "change_requests")
    assert row["id"] == request.pk and row["about_you"] is True and row["requested_by"] == "a member of your team"
    assert row["justification"] == ""  # the requester's words stay theirs
    (mine,) = section(unzip(export_build(user=alice)), "change_requests")
    assert mine["requested_by"] == "you" and mine["justification"] == "Tom trains it."
    ChangeRequest.objects.filter(pk=request.pk).update(status="withdrawn")
    assert erasure_refusals(user=tom) == []
