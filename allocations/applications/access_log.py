"""Who may read an application's attachments, and the log of who did.

Readers: the applicant's organisation, each reviewer assigned to the application who accepted the assignment and
has no declared conflict with the organisation, and call managers. Everyone else gets ``Attachment.DoesNotExist``
(the view answers 404). Every download is logged with the reader's role; the organisation sees counts per role,
never who.
"""

from django.db.models import Count

from accounts.models import User
from accounts.roles import PlatformRole, has_role
from allocations.models import Application, Attachment, AttachmentDownload, ReaderRole

# Assignment statuses of a reviewer who declared no conflict and accepted (reviews.models.AssignmentStatus).
READING_ASSIGNMENT = ("accepted", "completed")


def _is_reading_reviewer(*, user: User, application: Application) -> bool:
    from reviews.models import DeclaredConflict, ReviewAssignment

    if not has_role(user, PlatformRole.REVIEWER):
        return False
    assigned = ReviewAssignment.objects.filter(
        application=application, reviewer=user, status__in=READING_ASSIGNMENT
    ).exists()
    conflicted = DeclaredConflict.objects.filter(reviewer=user, organisation_id=application.organisation_id).exists()
    return assigned and not conflicted


def attachment_reader_role(*, user: User, application: Application) -> ReaderRole | None:
    """The role in which ``user`` may read ``application``'s attachments, or ``None``."""
    if not user.is_authenticated:
        return None
    if application.organisation.memberships.filter(user=user).exists():
        return ReaderRole.APPLICANT
    if _is_reading_reviewer(user=user, application=application):
        return ReaderRole.REVIEWER
    if has_role(user, PlatformRole.CALL_MANAGER):
        return ReaderRole.CALL_MANAGER
    return None


def attachment_for_reader(*, user: User, application_pk: int, pk: int) -> tuple[Attachment, ReaderRole]:
    """An attachment and the role ``user`` reads it in; ``Attachment.DoesNotExist`` for anyone else."""
    attachment = Attachment.objects.select_related("application__organisation").get(
        pk=pk, application_id=application_pk
    )
    role = attachment_reader_role(user=user, application=attachment.application)
    if role is None:
        raise Attachment.DoesNotExist
    return attachment, role


def attachment_download_record(*, attachment: Attachment, by: User, role: ReaderRole) -> AttachmentDownload:
    """Log one download (a single insert; the table is append-only)."""
    return AttachmentDownload.objects.create(
        application_id=attachment.application_id, attachment=attachment, user=by, role=role
    )


def attachment_download_counts(*, application: Application) -> list[tuple[str, int]]:
    """Downloads of ``application``'s attachments per reader role, as (role label, count), for its organisation.
    Every role is listed, also with 0."""
    counts = dict(
        AttachmentDownload.objects.filter(application=application)
        .values("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    return [(str(role.label), counts.get(role.value, 0)) for role in ReaderRole]
