"""Periodic jobs of the ledger (thin wrappers around services)."""

from celery import shared_task

from ledger import services


@shared_task(name="ledger.void_expired_pending_transfers", acks_late=True)
def void_expired_pending_transfers() -> int:
    """Release pending transfers whose timeout has passed. Idempotent: the voids have derived ids."""
    return services.pending_void_expired()
