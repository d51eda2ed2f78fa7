"""Due dates and reminder days of final reports: pure arithmetic on exclusive end dates."""

import datetime as dt

import pytest

from allocations.postaward.reports.due import Reminder, is_overdue, reminder_on, report_due_on


@pytest.mark.parametrize(
    ("ends_before", "days", "due_on"),
    [
        (dt.date(2027, 4, 1), 60, dt.date(2027, 5, 30)),  # access until 31 March, 60 days later
        (dt.date(2027, 1, 1), 60, dt.date(2027, 3, 1)),  # 31 December + 60 days, no leap day
        (dt.date(2028, 1, 1), 60, dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2027, 7, 1), 1, dt.date(2027, 7, 1)),  # one day after the last day of access
        (dt.date(2027, 7, 1), 0, dt.date(2027, 6, 30)),  # due with the last day of access
    ],
)
def test_the_report_is_due_days_after_the_last_day_of_access(ends_before, days, due_on):
    assert report_due_on(ends_before, days=days) == due_on


def test_reminders_14_days_before_on_the_day_and_14_days_after():
    due = dt.date(2027, 5, 30)
    assert reminder_on(dt.date(2027, 5, 15), due_on=due) is None
    assert reminder_on(dt.date(2027, 5, 16), due_on=due) == Reminder.BEFORE
    assert reminder_on(dt.date(2027, 5, 29), due_on=due) == Reminder.BEFORE
    assert reminder_on(dt.date(2027, 5, 30), due_on=due) == Reminder.DUE
    assert reminder_on(dt.date(2027, 6, 12), due_on=due) == Reminder.DUE
    assert reminder_on(dt.date(2027, 6, 13), due_on=due) == Reminder.OVERDUE
    assert reminder_on(dt.date(2028, 1, 1), due_on=due) == Reminder.OVERDUE
    assert not is_overdue(due, due_on=due) and is_overdue(due + dt.timedelta(days=1), due_on=due)
