"""Final reports of the demo's ended awards: ``seed_demo`` (without ``--small``) runs ``seed`` after the history.

The beat job would open a report for every award that ended; the demo opens them through the same service, and
the PIs of awards whose report is past due submitted theirs (with two publications and a released model) a few
days before the due date, through the services. One report is left overdue, of an applicant other than alice, so
the staff list shows the case and alice can still submit in the demo. The e-mails of the past are not sent.

Idempotent: a later run finds submitted reports and returns at once (reports the beat job opened before the first
run are filled in like the others).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.demo import ALICE
from allocations.models.reports import FinalReport, ReportStatus
from allocations.postaward.reports import services
from portal.models import OutboxMessage


def _contents(report: FinalReport) -> dict:
    application = report.award.application
    slug = (application.reference or str(report.pk)).lower()
    year = report.due_on.year
    return {
        "achievements": f"{application.display_title}: the project trained and evaluated its models as planned, "
        "and published its results and weights.",
        "hours_usage": "Most hours went to pre-training at scale, the rest to fine-tuning and evaluation runs.",
        "acknowledgement_confirmed": True,
        "publications": [
            {"doi": f"10.5281/zenodo.{report.pk:07d}", "title": f"{application.display_title}: models", "year": year},
            {"doi": f"10.48550/arXiv.{year % 100:02d}01.{report.pk:05d}", "title": "Training notes", "year": year},
        ],
        "outputs": [{"kind": "model", "title": slug, "url": f"https://huggingface.co/demo/{slug}", "licence": "MIT"}],
    }


def seed(stdout, *, past: int | None = None) -> None:
    """``past`` (how many quarters the history told) is not needed: every ended award gets its report."""
    if FinalReport.objects.filter(status=ReportStatus.SUBMITTED).exists():
        stdout.write("final reports: already seeded")
        return
    today = timezone.localdate()
    with transaction.atomic():
        since = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
        opened = services.final_reports_open(today=today)
        overdue = FinalReport.objects.filter(status=ReportStatus.DRAFT, due_on__lt=today).select_related(
            "award__application__pi"
        )
        left_overdue = None
        for report in overdue.order_by("due_on", "pk"):
            pi = report.award.application.pi
            if pi is None:
                continue
            if left_overdue is None and pi.email != ALICE:
                left_overdue = report
                continue
            services.final_report_save(report_id=report.pk, by=pi, **_contents(report))
            moment = timezone.make_aware(dt.datetime.combine(report.due_on - dt.timedelta(days=5), dt.time(15)))
            services.final_report_submit(report_id=report.pk, by=pi, now=moment)
        OutboxMessage.objects.filter(pk__gt=since, relayed_at__isnull=True).delete()
    submitted = FinalReport.objects.filter(status=ReportStatus.SUBMITTED).count()
    stdout.write(f"final reports: {opened} opened, {submitted} submitted, {1 if left_overdue else 0} overdue")
