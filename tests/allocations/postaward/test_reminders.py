"""Reminders of final reports: 14 days before the due date, on the day and 14 days after, each sent once (also when
the beat task runs twice or is retried), none once the report is submitted; a real worker and the beat entry."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from allocations.models.reports import FinalReportReminder
from allocations.postaward.reports import services
from allocations.postaward.reports.tasks import send_final_report_reminders
from portal.schedule import BEAT_SCHEDULE
from tests.allocations.postaward.conftest import award_of, end_award
from tests.conftest import emails_queued, queued_tasks, wait_for
from tests.factories import active_grant


def noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_each_reminder_goes_out_once_on_its_day(report, alice):
    due = report.due_on
    with queued_tasks() as tasks:
        assert services.final_report_reminders_send(now=noon(due - dt.timedelta(days=15))) == 0
        assert services.final_report_reminders_send(now=noon(due - dt.timedelta(days=14))) == 1
        assert services.final_report_reminders_send(now=noon(due - dt.timedelta(days=14))) == 0  # beat ran twice
        assert services.final_report_reminders_send(now=noon(due - dt.timedelta(days=3))) == 0
        assert services.final_report_reminders_send(now=noon(due)) == 1
        assert services.final_report_reminders_send(now=noon(due + dt.timedelta(days=1))) == 0
        assert services.final_report_reminders_send(now=noon(due + dt.timedelta(days=14))) == 1
        assert services.final_report_reminders_send(now=noon(due + dt.timedelta(days=40))) == 0
    emails = emails_queued(tasks)
    assert [e["subject"].split(":")[0] for e in emails] == [
        "Reminder",
        f"The final report for {report.award.application.reference} is due today",
        "Overdue",
    ]
    assert all(e["to"] == [alice.email] for e in emails)
    assert f"/final-reports/{report.pk}/" in emails[0]["body"]
    assert "Until it is submitted, you cannot submit new applications." in emails[2]["body"]
    assert sorted(FinalReportReminder.objects.values_list("kind", flat=True)) == ["before", "due", "overdue"]


def test_a_submitted_report_gets_no_more_reminders(report, alice):
    from tests.allocations.postaward.test_final_reports import save

    save(report, alice)
    services.final_report_submit(report_id=report.pk, by=alice)
    with queued_tasks() as tasks:
        assert services.final_report_reminders_send(now=noon(report.due_on)) == 0
    assert emails_queued(tasks) == []


def test_a_moved_due_date_is_reminded_again(report, alice):
    from allocations.models.capacity import Grant

    assert services.final_report_reminders_send(now=noon(report.due_on)) == 1
    Grant.objects.filter(award=report.award).update(ends_on=report.award.ends_on + dt.timedelta(days=30))
    report.refresh_from_db()
    later_due = report.due_on + dt.timedelta(days=30)
    assert services.final_report_reminders_send(now=noon(later_due)) == 1
    report.refresh_from_db()
    assert report.due_on == later_due


def test_the_beat_schedule_runs_the_reminders_hourly():
    entry = BEAT_SCHEDULE["allocations-final-report-reminders"]
    assert entry["task"] == send_final_report_reminders.name == "allocations.postaward.send_final_report_reminders"
    assert entry["schedule"].minute == {20}


@pytest.mark.celery
def test_a_real_worker_sends_each_reminder_once(celery_worker, carol, alice, alice_org, gigafactory):
    award = end_award(
        award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org),
        ends_before=timezone.localdate() - dt.timedelta(days=3),
    )
    other = active_grant(by=carol, gigafactory=gigafactory, hours=500)  # still running: owes nothing yet
    on_the_day = noon(award.ends_on + dt.timedelta(days=59)).isoformat()
    with queued_tasks() as tasks:
        assert send_final_report_reminders.delay(now=on_the_day).get(timeout=30) == 1
        assert send_final_report_reminders.delay(now=on_the_day).get(timeout=30) == 0  # a retry sends nothing
    assert len(emails_queued(tasks)) == 1

    def reminders():  # the offer emails of the two allocations arrive through the same worker
        return [m for m in mail.outbox if "final report" in m.subject]

    wait_for(lambda: len(reminders()) >= 1)
    (message,) = reminders()
    assert message.to == [alice.email] and "is due today" in message.subject
    assert not FinalReportReminder.objects.filter(report__award=other.award).exists()
    assert award.final_report.reminders.count() == 1
