"""Celery tasks of the dashboards: the usage summary rebuild, on a beat schedule and after the work that changes
what it summarises (a usage import, an allocation run, offers expiring, grants activated) finishes."""

from celery import shared_task
from celery.signals import task_success

from allocations import dashboard_services

# Tasks after which the summary is stale; their success queues a rebuild (the rebuild itself is idempotent).
REFRESH_AFTER = frozenset(
    {
        "allocations.usage_tasks.process_usage_import",
        "allocations.usage_tasks.reclaim_ended_periods",
        "allocations.capacity_tasks.execute_allocation_run",
        "allocations.capacity_tasks.expire_offers",
        "allocations.capacity_tasks.activate_grants",
    }
)


@shared_task(name="allocations.dashboard_tasks.refresh_usage_summary", acks_late=True)
def refresh_usage_summary(trigger: str = "schedule") -> int:
    """Beat (every 5 minutes) and after imports: rebuild the per-grant usage summary; returns the grants summarised."""
    return dashboard_services.usage_summary_refresh(trigger=trigger).grants


@task_success.connect(weak=False)
def _refresh_after(sender=None, **kwargs) -> None:
    name = getattr(sender, "name", "")
    if name in REFRESH_AFTER:
        refresh_usage_summary.delay(trigger=name.rsplit(".", 1)[-1])
