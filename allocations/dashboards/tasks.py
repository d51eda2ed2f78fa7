"""Celery tasks of the dashboards: the usage summary rebuild, on a beat schedule and queued (by name, after commit)
by the services whose writes change what it summarises: a usage import, a committed allocation run, an answered,
expired or activated offer, a reclaim. A job that changed nothing queues no rebuild."""

from celery import shared_task

from allocations.dashboards import services as dashboard_services


@shared_task(name="allocations.dashboards.refresh_usage_summary", acks_late=True)
def refresh_usage_summary(trigger: str = "schedule") -> int:
    """Beat (every 5 minutes) and after the writes that change the summary: rebuild the per-grant usage summary;
    returns the grants summarised."""
    return dashboard_services.usage_summary_refresh(trigger=trigger).grants
