"""Celery tasks of usage accounting: thin, idempotent wrappers around ``allocations.usage.services``."""

from celery import shared_task

from allocations.usage import services as usage_services


@shared_task(
    name="allocations.usage.process_import",
    acks_late=True,  # acknowledged when done: an import whose worker died is delivered again ...
    reject_on_worker_lost=True,  # ... also when only the prefork child running it was killed
)
def process_usage_import(import_id: int) -> str:
    """Parse, stage and merge one uploaded import. A redelivered task merges the same records again: no change."""
    return usage_services.usage_import_process(import_id=import_id)


@shared_task(name="allocations.usage.sweep_stuck_imports")
def sweep_stuck_imports() -> dict:
    """Beat: queue again (or fail with a reason) uploaded imports whose worker was lost."""
    return usage_services.usage_imports_sweep_stuck()


@shared_task(name="allocations.usage.reclaim_ended_periods")
def reclaim_ended_periods() -> int:
    """Beat, daily: reclaim unused hours of grants whose period ended into the next period's pools (once each)."""
    return usage_services.reclaim_ended_periods()


@shared_task(name="allocations.usage.alert_silent_clusters")
def alert_silent_clusters() -> list[str]:
    """Beat, every 5 minutes: email the allocation admins once about each cluster whose site agent went silent."""
    from allocations.usage.services.provisioning import silent_clusters_alert

    return silent_clusters_alert()
