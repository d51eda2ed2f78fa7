"""Retention: drafts untouched for two years and sign-ups never confirmed after 30 days are deleted, once, by
the daily task (called directly and run by a real worker); everything else stays."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.models import Application, ApplicationMember, Attachment, AttachmentDownload, ReaderRole
from audit.models import AuditEvent
from portal.schedule import BEAT_SCHEDULE
from privacy.tasks import apply_retention
from tests.conftest import TEST_QUEUE
from tests.factories import ApplicationFactory, UserFactory
from tests.factories.allocations import pdf_upload

NOW = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)


def aged(application: Application, days: int) -> Application:
    Application.objects.filter(pk=application.pk).update(updated_at=NOW - dt.timedelta(days=days))
    return application


def signup(email: str, *, days: int, **extra) -> User:
    user = UserFactory(email=email, verified=False, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    User.objects.filter(pk=user.pk).update(date_joined=NOW - dt.timedelta(days=days))
    return user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }


def test_drafts_untouched_for_two_years_are_deleted_with_their_team_and_files(
    alice, alice_org, settings, django_capture_on_commit_callbacks
):
    assert settings.PRIVACY_DRAFT_RETENTION_DAYS == 730
    stale = aged(ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice), 731)
    ApplicationMember.objects.create(application=stale, email="tom@aurora-ai.eu")
    annex = Attachment.objects.create(
        application=stale,
        kind="technical_annex",
        file=pdf_upload(),
        original_name="a.pdf",
        size=1,
        sha256="0",
        uploaded_by=alice,
    )
    Attachment.objects.filter(pk=annex.pk).update(uploaded_at=NOW - dt.timedelta(days=800))
    storage, name = annex.file.storage, annex.file.name
    recent = aged(ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice), 729)
    submitted = aged(ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice), 2000)
    Application.objects.filter(pk=submitted.pk).update(status=Status.WITHDRAWN)

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion is committed
        assert apply_retention(now=NOW.isoformat()) == {"drafts_deleted": 1, "signups_deleted": 0}

    assert set(Application.objects.values_list("pk", flat=True)) == {recent.pk, submitted.pk}
    assert not ApplicationMember.objects.filter(application_id=stale.pk).exists()
    assert not storage.exists(name)
    assert apply_retention(now=NOW.isoformat()) == {"drafts_deleted": 0, "signups_deleted": 0}  # idempotent


def test_a_recent_upload_or_a_logged_download_keeps_an_old_draft(alice, alice_org):
    uploaded = aged(ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice), 900)
    Attachment.objects.create(
        application=uploaded,
        kind="cv",
        file=pdf_upload(),
        original_name="cv.pdf",
        size=1,
        sha256="0",
        uploaded_by=alice,
    )
    Attachment.objects.filter(application=uploaded).update(uploaded_at=NOW - dt.timedelta(days=10))
    logged = aged(ApplicationFactory(organisation=alice_org, created_by=alice, pi=alice), 900)
    AttachmentDownload.objects.create(application=logged, user=alice, role=ReaderRole.APPLICANT)

    assert apply_retention(now=NOW.isoformat())["drafts_deleted"] == 0
    assert Application.objects.filter(pk__in=[uploaded.pk, logged.pk]).count() == 2


def test_sign_ups_never_confirmed_after_30_days_are_deleted_and_nobody_else(alice, carol, settings):
    assert settings.PRIVACY_UNVERIFIED_SIGNUP_DAYS == 30
    gone = signup("gone@example.eu", days=31)
    fresh = signup("fresh@example.eu", days=29)
    staff = signup("staff@example.eu", days=400, is_staff=True)
    User.objects.filter(pk__in=[alice.pk, carol.pk]).update(date_joined=NOW - dt.timedelta(days=400))

    assert apply_retention(now=NOW.isoformat()) == {"drafts_deleted": 0, "signups_deleted": 1}

    assert not User.objects.filter(pk=gone.pk).exists()
    assert User.objects.filter(pk__in=[fresh.pk, staff.pk, alice.pk, carol.pk]).count() == 4
    (event,) = AuditEvent.objects.filter(action="user.deleted_unverified")
    assert event.object_id == str(gone.pk) and event.object_label == "" and event.actor is None
    assert apply_retention(now=NOW.isoformat())["signups_deleted"] == 0


def test_an_unconfirmed_sign_up_that_something_protected_points_at_stays(alice_org):
    user = signup("invited@example.eu", days=60)
    ApplicationFactory(organisation=alice_org, created_by=user, pi=user)
    Application.objects.update(updated_at=NOW)
    assert apply_retention(now=NOW.isoformat())["signups_deleted"] == 0
    assert User.objects.filter(pk=user.pk).exists()


def test_beat_runs_it_daily():
    assert BEAT_SCHEDULE["privacy-apply-retention"]["task"] == "privacy.apply_retention"


@pytest.mark.celery
def test_the_worker_applies_retention(celery_worker):
    gone = signup("gone@example.eu", days=45)
    now = timezone.now()
    User.objects.filter(pk=gone.pk).update(date_joined=now - dt.timedelta(days=45))
    result = apply_retention.apply_async(kwargs={"now": now.isoformat()}, queue=TEST_QUEUE).get(timeout=30)
    assert result == {"drafts_deleted": 0, "signups_deleted": 1}
    assert not User.objects.filter(pk=gone.pk).exists()
