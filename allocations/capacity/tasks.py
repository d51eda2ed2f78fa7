"""Celery tasks of capacity allocation: thin, idempotent wrappers around ``allocations.capacity.services``."""

from celery import shared_task

from allocations.capacity import services as capacity_services


@shared_task(
    name="allocations.capacity.execute_allocation_run",
    acks_late=True,  # acknowledged only when done: a run whose worker died is delivered again ...
    reject_on_worker_lost=True,  # ... also when a prefork child is killed; the service makes a repeat harmless
)
def execute_allocation_run(run_id: int) -> str:
    """Compute one allocation run (queued by ``run_create`` after commit)."""
    return capacity_services.run_execute(run_id=run_id)


@shared_task(name="allocations.capacity.send_offer_emails")
def send_offer_emails(run_id: int) -> int:
    """Queue the offer emails of a committed run."""
    return capacity_services.offer_emails_send(run_id=run_id)


@shared_task(name="allocations.capacity.expire_offers", acks_late=True)
def expire_offers() -> int:
    """Beat: offers past their deadline expire and their hours go back to the pool."""
    return capacity_services.offers_expire()


@shared_task(name="allocations.capacity.activate_grants", acks_late=True)
def activate_grants() -> int:
    """Beat: accepted grants whose period has started become active."""
    return capacity_services.grants_activate()
