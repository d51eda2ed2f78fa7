"""Due dates of final reports and which reminder is due on a day. Pure: no Django."""

import datetime as dt
from enum import StrEnum

REMINDER_OFFSET = dt.timedelta(days=14)


class Reminder(StrEnum):
    BEFORE = "before"
    DUE = "due"
    OVERDUE = "overdue"


def report_due_on(ends_before: dt.date, *, days: int) -> dt.date:
    """The last day to submit on time. ``ends_before`` is exclusive (the first day without access, as on the
    award and its slices), so the last day of access is the day before; the report is due ``days`` days after it.
    A project ending with 31 March (``ends_before`` 1 April) and 60 days is due on 30 May."""
    return ends_before - dt.timedelta(days=1) + dt.timedelta(days=days)


def reminder_on(today: dt.date, *, due_on: dt.date) -> Reminder | None:
    """The reminder a report still in draft is owed on ``today``: the latest whose date has come (14 days before,
    the due date, 14 days after), or none before the first. A run that missed days sends only the latest."""
    if today >= due_on + REMINDER_OFFSET:
        return Reminder.OVERDUE
    if today >= due_on:
        return Reminder.DUE
    if today >= due_on - REMINDER_OFFSET:
        return Reminder.BEFORE
    return None


def is_overdue(today: dt.date, *, due_on: dt.date) -> bool:
    return today > due_on
