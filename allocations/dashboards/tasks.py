"""Celery tasks of the dashboards: the usage summary rebuild, on a beat schedule and after the work that changes
what it summarises (a usage import, a committed allocation run's offers, offers expiring, grants activated,
reclaims) finishes."""

from celery import shared_task
from celery.signals import task_success

from allocations.dashboards import services as dashboard_services

# Tasks after which the summary is stale; their success queues a rebuild (the rebuild itself is idempotent), unless
# the task reports that it changed nothing (a count of 0). A committed run's grants appear when its offer emails are
# sent, the task its commit queues; the run itself (a what-if) changes nothing.
REFRESH_AFTER = frozenset(
    {
        "allocations.usage.process_import",
        "allocations.usage.reclaim_ended_periods",
        "allocations.capacity.send_offer_emails",
        "allocations.capacity.expire_offers",
        "allocations.capacity.activate_grants",
    }
)


@shared_task(name="allocations.dashboards.refresh_usage_summary", acks_late=True)
def refresh_usage_summary(trigger: str = "schedule") -> int:
    """Beat (every 5 minutes) and after imports: rebuild the per-grant usage summary; returns the grants summarised."""
    return dashboard_services.usage_summary_refresh(trigger=trigger).grants


@task_success.connect(weak=False)
def _refresh_after(sender=None, **kwargs) -> None:
    name = getattr(sender, "name", "")
    if name in REFRESH_AFTER and kwargs.get("result") != 0:
        refresh_usage_summary.delay(trigger=name.rsplit(".", 1)[-1])
