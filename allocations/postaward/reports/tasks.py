import datetime

from celery import shared_task

from allocations.postaward.reports import services


@shared_task(name="allocations.postaward.send_final_report_reminders")
def send_final_report_reminders(now: str | None = None) -> int:
    """Beat, hourly: open the final reports of ended awards and send their reminders (14 days before the due date,
    on it, 14 days after), each once. ``now``: an ISO date-time instead of the clock (replays and tests)."""
    return services.final_report_reminders_send(now=datetime.datetime.fromisoformat(now) if now else None)
