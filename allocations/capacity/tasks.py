"""Celery tasks of capacity allocation: thin, idempotent wrappers around ``allocations.capacity.services``."""

from celery import shared_task

from allocations.capacity import services as capacity_services
from portal import outbox


@shared_task(
    name="allocations.capacity.execute_allocation_run",
    acks_late=True,  # acknowledged only when done: a run whose worker died is delivered again ...
    reject_on_worker_lost=True,  # ... also when a prefork child is killed; the service makes a repeat harmless
)
def execute_allocation_run(run_id: int) -> str:
    """Compute one allocation run (queued by ``run_create`` after commit)."""
    return capacity_services.run_execute(run_id=run_id)


@shared_task(name="allocations.capacity.fill_from_waitlist", acks_late=True, reject_on_worker_lost=True)
def fill_from_waitlist(run_id: int) -> str:
    """Compute and commit a fill from the waitlist (queued by ``waitlist_fill`` after commit); a repeat changes
    nothing."""
    return capacity_services.waitlist_fill_execute(run_id=run_id)


@shared_task(name="allocations.capacity.send_offer_emails", bind=True, acks_late=True, reject_on_worker_lost=True)
def send_offer_emails(self, run_id: int) -> int:
    """Queue the offer emails of a committed run (an outbox message of ``run_commit``). The emails and the record
    that this message was consumed are written in one transaction: a second delivery queues nothing."""
    return outbox.consume_once(self.request.id, lambda: capacity_services.offer_emails_send(run_id=run_id)) or 0


@shared_task(name="allocations.capacity.sweep_stale_runs")
def sweep_stale_runs() -> dict:
    """Beat: queue again (or fail with a reason) runs whose worker was lost."""
    return capacity_services.runs_sweep_stale()


@shared_task(name="allocations.capacity.expire_offers", acks_late=True)
def expire_offers() -> int:
    """Beat: offers past their deadline expire and their hours go back to the pool."""
    return capacity_services.offers_expire()


@shared_task(name="allocations.capacity.activate_grants", acks_late=True)
def activate_grants() -> int:
    """Beat: accepted grants whose period has started become active."""
    return capacity_services.grants_activate()
