from celery import shared_task

from allocations.applications import services


@shared_task(name="allocations.applications.send_draft_reminders")
def send_draft_reminders() -> int:
    """Beat, hourly: remind owners of drafts 7 days and 1 day before the cut-off (each reminder once)."""
    return services.draft_reminders_send()
