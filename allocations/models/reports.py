"""Final reports of awards: what the project achieved, how it used its hours, its publications and released outputs.

A report belongs to the award (the project, over all its slices) and is due ``FINAL_REPORT_DUE_DAYS`` after the
award's last slice ends. ``due_on`` is stored (the staff list and the submission gate filter on it) and follows the
slices while the report is a draft. Reminders are rows, one per (report, kind, due date), so each goes out once.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ACHIEVEMENTS_MAX_WORDS",
    "FinalReport",
    "FinalReportReminder",
    "OutputKind",
    "Publication",
    "ReleasedOutput",
    "ReportReminderKind",
    "ReportStatus",
    "normalise_doi",
    "validate_doi",
    "word_count",
]

ACHIEVEMENTS_MAX_WORDS = 1000

# A DOI is "10." + a registrant code of digits (dot-separated sub-codes allowed) + "/" + a suffix without spaces
# (the DOI Handbook, 2.2); links and the "doi:" prefix are accepted and stripped.
DOI_RE = re.compile(r"^10\.\d{4,9}(\.\d+)*/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


def normalise_doi(value: str) -> str:
    """The DOI itself, without a resolver link or ``doi:`` prefix and surrounding spaces (case kept)."""
    value = (value or "").strip()
    for prefix in DOI_PREFIXES:
        if value.lower().startswith(prefix):
            return value[len(prefix) :].strip()
    return value


def validate_doi(value: str) -> None:
    if not DOI_RE.match(normalise_doi(value)):
        raise ValidationError(
            _("Enter a DOI such as 10.1234/abcd.5678 (it starts with “10.”, then a number, a slash and a suffix)."),
            code="invalid_doi",
        )


def word_count(text: str) -> int:
    return len((text or "").split())


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class FinalReport(models.Model):
    """The final report of an award, written by its PI; read-only once submitted."""

    award = models.OneToOneField(
        "allocations.Award", on_delete=models.PROTECT, related_name="final_report", verbose_name=_("award")
    )
    due_on = models.DateField(_("due on"), help_text=_("The last day to submit on time."))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    achievements = models.TextField(
        _("achievements"),
        blank=True,
        help_text=_("What the project achieved with the compute time, at most 1,000 words."),
    )
    hours_usage = models.TextField(
        _("how the hours were used"),
        blank=True,
        help_text=_("The workloads you ran (training, fine-tuning, inference, experiments) and what worked."),
    )
    acknowledgement_confirmed = models.BooleanField(
        _("the publications acknowledge the Gigafactory"),
        default=False,
        help_text=_("Publications and released outputs acknowledge the access awarded on the Gigafactory."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("final report")
        verbose_name_plural = _("final reports")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_at__isnull=False) & Q(acknowledgement_confirmed=True)),
                name="final_report_submitted_complete",
            ),
        ]

    def __str__(self) -> str:
        return _("Final report of award %(award)s") % {"award": self.award_id}

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT


class Publication(models.Model):
    """A publication that came out of the project, identified by its DOI (once per report, whatever the case)."""

    report = models.ForeignKey(FinalReport, on_delete=models.CASCADE, related_name="publications")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    doi = models.CharField(_("DOI"), max_length=200, validators=[validate_doi])
    title = models.CharField(_("title"), max_length=300)
    venue = models.CharField(_("venue"), max_length=200, blank=True, help_text=_("Journal, conference or repository."))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["report_id", "position", "id"]
        constraints = [
            models.UniqueConstraint("report", Lower("doi"), name="publication_doi_once_per_report"),
        ]

    def __str__(self) -> str:
        return self.doi


class OutputKind(models.TextChoices):
    MODEL = "model", _("Model")
    DATASET = "dataset", _("Dataset")
    CODE = "code", _("Code")


class ReleasedOutput(models.Model):
    """A model, dataset or code the project released, with where to find it and under which licence."""

    report = models.ForeignKey(FinalReport, on_delete=models.CASCADE, related_name="outputs")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=OutputKind.choices)
    title = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    licence = models.CharField(_("licence"), max_length=100, help_text=_("For example Apache-2.0, CC-BY-4.0, MIT."))

    class Meta:
        verbose_name = _("released output")
        verbose_name_plural = _("released outputs")
        ordering = ["report_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class ReportReminderKind(models.TextChoices):
    BEFORE = "before", _("14 days before the due date")
    DUE = "due", _("On the due date")
    OVERDUE = "overdue", _("14 days after the due date")


class FinalReportReminder(models.Model):
    """A reminder sent for a final report; the unique constraint makes each one go out once per due date."""

    report = models.ForeignKey(FinalReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReportReminderKind.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("final report reminder")
        verbose_name_plural = _("final report reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind", "due_on"], name="final_report_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"
