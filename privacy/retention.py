"""Retention: what the portal stops keeping after a while (settings ``PRIVACY_*``), run daily by beat.

- Drafts untouched for ``PRIVACY_DRAFT_RETENTION_DAYS`` (default two years: no save and no upload since) are
  deleted with their team list and attachments (the files too). A draft that something append-only points at
  (an attachment download) stays.
- Sign-ups whose email address was never confirmed after ``PRIVACY_UNVERIFIED_SIGNUP_DAYS`` (default 30) are
  deleted: such a person never signed in. Accounts with a staff role or admin access, or that anything protected
  points at, stay.

Deleting what is already gone changes nothing, so a re-run (or a retried task) is harmless.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.models import Application, Attachment, AttachmentDownload
from audit.models import ObjectType
from audit.services import record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionResult:
    drafts_deleted: int
    signups_deleted: int


def stale_drafts(*, now: dt.datetime):
    cutoff = now - dt.timedelta(days=settings.PRIVACY_DRAFT_RETENTION_DAYS)
    recent_upload = Attachment.objects.filter(application=OuterRef("pk"), uploaded_at__gte=cutoff)
    downloaded = AttachmentDownload.objects.filter(application=OuterRef("pk"))
    return Application.objects.filter(status=Status.DRAFT, updated_at__lt=cutoff).exclude(
        Exists(recent_upload) | Exists(downloaded)
    )


def unverified_signups(*, now: dt.datetime):
    cutoff = now - dt.timedelta(days=settings.PRIVACY_UNVERIFIED_SIGNUP_DAYS)
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(
        date_joined__lt=cutoff, last_login__isnull=True, is_active=True, is_staff=False, is_superuser=False
    ).exclude(Q(Exists(verified)) | Q(groups__isnull=False) | Q(erasure__isnull=False))


def _delete_draft(application: Application) -> bool:
    files = [a.file.name for a in application.attachments.all() if a.file]
    try:
        with transaction.atomic():
            application.delete()
    except ProtectedError:
        return False
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return True


def _delete_signup(user: User, now: dt.datetime) -> bool:
    pk = user.pk
    try:
        with transaction.atomic():
            user.delete()
            # No name or address in the trail: the point is to keep none.
            record(actor=None, action="user.deleted_unverified", object_type=ObjectType.USER, object_id=pk, now=now)
    except ProtectedError:
        return False
    return True


def retention_apply(*, now: dt.datetime | None = None) -> RetentionResult:
    """Delete stale drafts and unconfirmed sign-ups as of ``now``; returns how many of each went. Idempotent."""
    now = now or timezone.now()
    drafts = sum(_delete_draft(a) for a in stale_drafts(now=now).prefetch_related("attachments").distinct())
    signups = sum(_delete_signup(u, now) for u in unverified_signups(now=now).distinct())
    logger.info("retention: %d drafts and %d unconfirmed sign-ups deleted", drafts, signups)
    return RetentionResult(drafts_deleted=drafts, signups_deleted=signups)
