"""What a principal investigator still owes before submitting again: final reports past their due date.

Reads the ``FinalReport`` model directly (the reports context sits above this one in the import layers). Reports
are opened by the hourly reminders job when an award's last slice ends, weeks before any can be overdue.
"""

import datetime

from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models.reports import FinalReport, ReportStatus
from portal.links import absolute_url


def overdue_final_reports(*, users: list[User], today: datetime.date) -> QuerySet[FinalReport]:
    """Draft final reports past their due date of the awards whose application has one of ``users`` as PI."""
    ids = [user.pk for user in users if user is not None and user.pk is not None]
    return (
        FinalReport.objects.filter(status=ReportStatus.DRAFT, due_on__lt=today, award__application__pi_id__in=ids)
        .select_related("award__application")
        .order_by("due_on", "pk")
    )


def overdue_report_problems(*, users: list[User], today: datetime.date) -> list[str]:
    """One refusal message per overdue report, with the link to the report."""
    return [
        _(
            "The final report for %(ref)s was due on %(due)s and is not submitted: submit it before submitting new "
            "applications. Write it at %(url)s"
        )
        % {
            "ref": report.award.application.reference or report.award.application.display_title,
            "due": formats.date_format(report.due_on, "DATE_FORMAT"),
            "url": absolute_url("final_report", pk=report.pk),
        }
        for report in overdue_final_reports(users=users, today=today)
    ]
