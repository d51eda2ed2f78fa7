"""Applications, their team, attachments, the append-only event log and the reference counter."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocations.applications.workflow import Action, Status
from portal.units import gpu_seconds

ABSTRACT_MAX_CHARS = 2000


MAX_KEYWORDS = 10
MAX_NAMED_REVIEWERS = 3


def validate_reviewer_emails(value) -> None:
    """Up to three e-mail addresses of people the applicant names for (or against) reviewing."""
    if not isinstance(value, list) or any(not isinstance(e, str) for e in value):
        raise ValidationError(_("Give e-mail addresses as a list."), code="invalid")
    if len(value) > MAX_NAMED_REVIEWERS:
        raise ValidationError(_("Name at most %(n)d people.") % {"n": MAX_NAMED_REVIEWERS}, code="max_reviewers")
    for email in value:
        validate_email(email)


def validate_keywords(value) -> None:
    if not isinstance(value, list) or any(not isinstance(k, str) or not k.strip() for k in value):
        raise ValidationError(_("Give keywords as a list of words."), code="invalid")
    if len(value) > MAX_KEYWORDS:
        raise ValidationError(_("Give at most %(n)d keywords.") % {"n": MAX_KEYWORDS}, code="max_keywords")
    if any(len(k) > 50 for k in value):
        raise ValidationError(_("A keyword has at most 50 characters."), code="keyword_length")


class AIDomain(models.TextChoices):
    LANGUAGE = "language", _("Language models")
    VISION = "vision", _("Vision")
    SCIENCE = "science", _("Science")
    HEALTH = "health", _("Health")
    ROBOTICS = "robotics", _("Robotics")
    CLIMATE = "climate", _("Climate")
    OTHER = "other", _("Other")


class LegalBasis(models.TextChoices):
    """GDPR Art. 6(1) grounds for processing personal data."""

    CONSENT = "consent", _("Consent (Art. 6(1)(a) GDPR)")
    CONTRACT = "contract", _("Contract (Art. 6(1)(b) GDPR)")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Art. 6(1)(c) GDPR)")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (Art. 6(1)(d) GDPR)")
    PUBLIC_TASK = "public_task", _("Public task (Art. 6(1)(e) GDPR)")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (Art. 6(1)(f) GDPR)")


class Section(models.TextChoices):
    """The steps of the application form, in order. The first four are saved with optimistic locking."""

    PROJECT = "project", _("Project")
    TEAM = "team", _("Team")
    RESOURCES = "resources", _("Resources")
    ETHICS = "ethics", _("Data and ethics")
    QUESTIONS = "questions", _("Call questions")
    ATTACHMENTS = "attachments", _("Attachments")
    REVIEW = "review", _("Review and submit")


# Fields each lockable section writes; ``<section>_version`` counts its saves.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    Section.PROJECT: ("title", "acronym", "abstract", "ai_domain", "keywords"),
    Section.TEAM: ("pi", "excluded_reviewers", "suggested_reviewers"),
    Section.RESOURCES: (
        "requested_gpu_hours",
        "minimum_gpu_hours",
        "preferred_gigafactory",
        "start_month",
        "duration_months",
        "largest_job_gpus",
        "storage_tb",
        "software_stack",
        "scaling_evidence",
    ),
    Section.ETHICS: (
        "data_sources",
        "personal_data",
        "personal_data_legal_basis",
        "ethics_self_assessment",
        "dual_use",
        "dual_use_details",
        "open_science_commitment",
    ),
    Section.QUESTIONS: ("answers",),
}


class Application(models.Model):
    """An organisation's application to a call. Sections are saved on their own; submission makes it read-only.

    Requested hours are whole GPU-hours (integers); ``requested_gpu_seconds`` gives the internal unit.
    """

    call = models.ForeignKey("allocations.Call", on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    cutoff = models.ForeignKey(
        "allocations.CallCutoff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("cut-off batch"),
    )
    form_version = models.ForeignKey(
        "allocations.CallFormVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("form version"),
        help_text=_("The version of the call's form this application answers."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # 1. Project
    title = models.CharField(_("project title"), max_length=200, blank=True)
    acronym = models.CharField(_("acronym"), max_length=20, blank=True)
    abstract = models.TextField(
        _("abstract"),
        blank=True,
        validators=[MaxLengthValidator(ABSTRACT_MAX_CHARS)],
        help_text=_("At most 2,000 characters."),
    )
    ai_domain = models.CharField(_("AI domain"), max_length=20, choices=AIDomain.choices, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True, validators=[validate_keywords])
    # Seen by call managers only: never assigned (excluded); at most one of the suggested is assigned.
    excluded_reviewers = models.JSONField(
        _("people who should not review (e-mail)"), default=list, blank=True, validators=[validate_reviewer_emails]
    )
    suggested_reviewers = models.JSONField(
        _("suggested reviewers (e-mail)"), default=list, blank=True, validators=[validate_reviewer_emails]
    )
    project_version = models.PositiveIntegerField(default=0)

    # 2. Team (members in ApplicationMember)
    pi = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_as_pi",
        verbose_name=_("principal investigator"),
    )
    team_version = models.PositiveIntegerField(default=0)

    # 3. Resources
    requested_gpu_hours = models.PositiveIntegerField(_("requested GPU-hours"), null=True, blank=True)
    minimum_gpu_hours = models.PositiveIntegerField(_("minimum viable GPU-hours"), null=True, blank=True)
    preferred_gigafactory = models.ForeignKey(
        "allocations.Gigafactory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred Gigafactory"),
    )
    start_month = models.DateField(_("start month"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    largest_job_gpus = models.PositiveIntegerField(
        _("largest job (GPUs)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    storage_tb = models.PositiveIntegerField(_("storage (TB)"), null=True, blank=True)
    software_stack = models.TextField(_("software stack"), blank=True)
    scaling_evidence = models.TextField(_("scaling evidence"), blank=True)
    resources_version = models.PositiveIntegerField(default=0)

    # 4. Data and ethics
    data_sources = models.TextField(_("data sources"), blank=True)
    personal_data = models.BooleanField(_("processes personal data"), null=True, blank=True)
    personal_data_legal_basis = models.CharField(
        _("legal basis for personal data"), max_length=30, choices=LegalBasis.choices, blank=True
    )
    ethics_self_assessment = models.TextField(_("ethics self-assessment"), blank=True)
    dual_use = models.BooleanField(_("dual-use or export-controlled"), null=True, blank=True)
    dual_use_details = models.TextField(_("dual-use details"), blank=True)
    open_science_commitment = models.TextField(_("open-science commitment"), blank=True)
    ethics_version = models.PositiveIntegerField(default=0)

    # 5. Call questions: {question id (str): answer}, validated against ``form_version``
    answers = models.JSONField(_("answers to the call's questions"), default=dict, blank=True)
    questions_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["call", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__isnull=True) | Q(reference__regex=r"^GAP-[0-9]{4}-[0-9]{6}$"),
                name="application_reference_format",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(reference__isnull=False),
                name="application_submitted_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or self.title or _("Application %(pk)s") % {"pk": self.pk}

    @property
    def display_title(self) -> str:
        return self.title or str(_("Untitled application"))

    @property
    def requested_gpu_seconds(self) -> int | None:
        return None if self.requested_gpu_hours is None else gpu_seconds(self.requested_gpu_hours)

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT

    def section_version(self, section: str) -> int:
        return getattr(self, f"{section}_version")


class TeamRole(models.TextChoices):
    CO_INVESTIGATOR = "co_investigator", _("Co-investigator")
    RESEARCHER = "researcher", _("Researcher")
    ENGINEER = "engineer", _("Engineer")
    DATA_STEWARD = "data_steward", _("Data steward")
    OTHER = "other", _("Other")


class ApplicationMember(models.Model):
    """A team member: an existing user of the organisation, or someone invited by email (``user`` empty)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    email = models.EmailField(_("email address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices, default=TeamRole.RESEARCHER)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["application_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "email"], name="application_member_unique")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"


class AttachmentKind(models.TextChoices):
    TECHNICAL_ANNEX = "technical_annex", _("Technical annex")
    CV = "cv", _("CV")
    CALL_DOCUMENT = "call_document", _("Document the call asks for")


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never derives from the uploader's file name.
    import uuid

    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Attachment(models.Model):
    """A PDF of an application, kept in private storage and served only by a permission-checked view."""

    MAX_BYTES = 10 * 1024 * 1024

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    slot = models.ForeignKey(
        "allocations.CallDocumentSlot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("document"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application_id", "kind", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ReaderRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant team")
    REVIEWER = "reviewer", _("Reviewer")
    CALL_MANAGER = "call_manager", _("Call manager")


class AttachmentDownload(models.Model):
    """Who downloaded an application's attachment, in what role: the access log the applicant's organisation sees
    as counts per role. Rows are only ever added; a removed attachment keeps its downloads."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachment_downloads")
    attachment = models.ForeignKey(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="downloads"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=ReaderRole.choices)
    downloaded_at = models.DateTimeField(_("downloaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment download")
        verbose_name_plural = _("attachment downloads")
        ordering = ["application_id", "downloaded_at"]
        indexes = [models.Index(fields=["application", "role"], name="attachment_download_by_role")]

    def __str__(self) -> str:
        return f"{self.attachment_id} · {self.role}"


class ApplicationEvent(models.Model):
    """One transition of an application. Append-only: a database trigger refuses UPDATE and DELETE."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)  # the applier's ``now``

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["application_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status} → {self.to_status}"


class ReferenceCounter(models.Model):
    """The last reference number given out in a year; locked in the submit transaction so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class ReminderKind(models.TextChoices):
    WEEK = "7d", _("7 days before the cut-off")
    DAY = "1d", _("1 day before the cut-off")


class DraftReminder(models.Model):
    """A reminder sent for a draft before a cut-off; the unique constraint makes each one go out once."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reminders")
    cutoff = models.ForeignKey("allocations.CallCutoff", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=2, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("draft reminder")
        verbose_name_plural = _("draft reminders")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["application", "cutoff", "kind"], name="draft_reminder_once")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"
