"""Writes for final reports: opening them when an award ends, saving the PI's draft, submitting it, reminders.

Every function takes keyword arguments (and the acting user ``by`` where a person acts), runs in one transaction
and raises ``ValidationError`` (field errors; in lists, dotted paths such as ``publications.1.doi``) or
``PermissionDenied``. Emails leave only after commit, through the outbox.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.models.reports import (
    ACHIEVEMENTS_MAX_WORDS,
    FinalReport,
    FinalReportReminder,
    Publication,
    ReleasedOutput,
    ReportStatus,
    normalise_doi,
    word_count,
)
from allocations.postaward.reports import selectors
from allocations.postaward.reports.due import Reminder, reminder_on, report_due_on
from portal.emails import queue_templated_email
from portal.links import absolute_url

MAX_ITEMS = 50  # publications, and released outputs, per report

PUBLICATION_FIELDS = ("doi", "title", "venue", "year")
OUTPUT_FIELDS = ("kind", "title", "url", "licence")


def _due_on(ends_before: datetime.date) -> datetime.date:
    return report_due_on(ends_before, days=settings.FINAL_REPORT_DUE_DAYS)


def final_reports_open(*, today: datetime.date | None = None) -> int:
    """Beat job: open a draft report for every accepted award whose last slice has ended, and move the due date of
    drafts whose award end moved (an extension). Idempotent (one report per award, a database constraint).
    Returns how many reports were opened."""
    today = today or timezone.localdate()
    opened = 0
    for award in selectors.awards_owing_a_report(today=today):
        _report, created = FinalReport.objects.get_or_create(
            award_id=award.pk, defaults={"due_on": _due_on(award.ends_before)}
        )
        opened += created
    for report in FinalReport.objects.filter(status=ReportStatus.DRAFT).only("pk", "award_id", "due_on"):
        due_on = _due_on(selectors.award_end(report.award_id))
        if due_on != report.due_on:
            FinalReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(due_on=due_on)
    return opened


def _lock(report_id: int, by: User) -> FinalReport:
    report = (
        FinalReport.objects.select_for_update(of=("self",))
        .select_related("award__application__pi", "award__application__call")
        .get(pk=report_id)
    )
    if by is None or report.award.application.pi_id != by.pk:
        raise PermissionDenied(_("Only the principal investigator of the project writes its final report."))
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("This final report was submitted and can no longer be changed."))
    return report


def _rows(items, fields, model, report, prefix: str, errors: dict) -> list:
    """Model instances for ``items`` (dictionaries), their field errors under ``<prefix>.<index>.<field>``."""
    rows = []
    if len(items) > MAX_ITEMS:
        errors[prefix] = [_("At most %(n)d rows.") % {"n": MAX_ITEMS}]
        return rows
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"{prefix}.{index}"] = [_("Each row is an object with its fields.")]
            continue
        row = model(report=report, position=index, **{n: item[n] for n in fields if item.get(n) is not None})
        for name in fields:
            if isinstance(getattr(row, name), str):
                setattr(row, name, getattr(row, name).strip())
        if model is Publication:
            row.doi = normalise_doi(row.doi or "")
        try:
            row.full_clean(exclude=["report"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors[f"{prefix}.{index}.{name}"] = messages
        rows.append(row)
    return rows


def _check_duplicate_dois(publications: list[Publication], errors: dict) -> None:
    seen: dict[str, int] = {}
    for index, publication in enumerate(publications):
        key = publication.doi.lower()
        if not key:
            continue
        if key in seen:
            errors.setdefault(f"publications.{index}.doi", []).append(
                _("The DOI %(doi)s is already listed (publication %(n)d).")
                % {"doi": publication.doi, "n": seen[key] + 1}
            )
        else:
            seen[key] = index


def final_report_save(
    *,
    report_id: int,
    by: User,
    achievements: str,
    hours_usage: str,
    acknowledgement_confirmed: bool,
    publications: list[dict],
    outputs: list[dict],
) -> FinalReport:
    """The PI saves the draft: the texts, the acknowledgement, and the whole lists of publications (DOI, title,
    venue, year) and released outputs (kind, name, URL, licence), which replace the saved ones. Refused with every
    field error at once: achievements over the word limit, a malformed DOI or one listed twice (whatever the
    case, with or without a resolver link), a bad URL or year. Only the PI, only while a draft."""
    with transaction.atomic():
        report = _lock(report_id, by)
        errors: dict[str, list[str]] = {}
        if word_count(achievements) > ACHIEVEMENTS_MAX_WORDS:
            errors["achievements"] = [
                _("Write at most %(max)d words (now %(n)d).")
                % {"max": ACHIEVEMENTS_MAX_WORDS, "n": word_count(achievements)}
            ]
        new_publications = _rows(publications, PUBLICATION_FIELDS, Publication, report, "publications", errors)
        _check_duplicate_dois(new_publications, errors)
        new_outputs = _rows(outputs, OUTPUT_FIELDS, ReleasedOutput, report, "outputs", errors)
        if errors:
            raise ValidationError(errors)
        report.achievements = achievements.strip()
        report.hours_usage = hours_usage.strip()
        report.acknowledgement_confirmed = bool(acknowledgement_confirmed)
        report.save(update_fields=["achievements", "hours_usage", "acknowledgement_confirmed", "updated_at"])
        report.publications.all().delete()
        report.outputs.all().delete()
        Publication.objects.bulk_create(new_publications)
        ReleasedOutput.objects.bulk_create(new_outputs)
    return report


def final_report_submit(*, report_id: int, by: User, now: datetime.datetime | None = None) -> FinalReport:
    """The PI submits the saved draft: the achievements and the use of the hours written, the acknowledgement
    confirmed (every missing part at once). Then read-only, on the awards register (its publications), and no
    longer barring the PI's submissions. An email confirms it after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _lock(report_id, by)
        errors = {}
        if not report.achievements:
            errors["achievements"] = [_("Describe what the project achieved.")]
        if not report.hours_usage:
            errors["hours_usage"] = [_("Describe how the hours were used.")]
        if not report.acknowledgement_confirmed:
            errors["acknowledgement_confirmed"] = [
                _("Confirm that your publications and outputs acknowledge the Gigafactory.")
            ]
        if errors:
            raise ValidationError(errors)
        report.status = ReportStatus.SUBMITTED
        report.submitted_at, report.submitted_by = now, by
        report.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
        application = report.award.application
        queue_templated_email(
            to=[by.email],
            template="allocations/reports/email/submitted",
            context={"application": application, "url": absolute_url("final_report", pk=report.pk)},
        )
    return report


def final_report_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Beat job: opens reports of ended awards, then emails the PI (and the application's author) of each draft
    report 14 days before its due date, on the day and 14 days after; each reminder once per due date.

    Idempotent: a unique row per (report, kind, due date) is written in the transaction that queues the email, so
    a second run, a retried task or two runs at once send nothing again. Returns the number of reminders queued.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    final_reports_open(today=today)
    sent = 0
    for report in selectors.draft_reports():
        kind = reminder_on(today, due_on=report.due_on)
        if kind is None:
            continue
        with transaction.atomic():
            _reminder, created = FinalReportReminder.objects.get_or_create(
                report=report, kind=kind.value, due_on=report.due_on
            )
            if not created:
                continue
            application = report.award.application
            recipients = list(dict.fromkeys(u.email for u in (application.pi, application.created_by) if u))
            queue_templated_email(
                to=recipients,
                template="allocations/reports/email/reminder",
                context={
                    "application": application,
                    "kind": kind.value,
                    "due_on": report.due_on,  # formatted in each recipient's language
                    "overdue": kind == Reminder.OVERDUE,
                    "url": absolute_url("final_report", pk=report.pk),
                },
            )
            sent += 1
    return sent
