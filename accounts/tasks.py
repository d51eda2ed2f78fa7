from celery import shared_task
from django.utils import timezone

from accounts.models import Invitation, InvitationStatus


@shared_task(name="accounts.purge_expired_invitations")
def purge_expired_invitations() -> int:
    """Marks pending invitations past their 7 days as revoked (idempotent)."""
    cutoff = timezone.now() - timezone.timedelta(days=Invitation.VALID_DAYS)
    return Invitation.objects.filter(status=InvitationStatus.PENDING, created_at__lt=cutoff).update(
        status=InvitationStatus.REVOKED, responded_at=timezone.now()
    )
