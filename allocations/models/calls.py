"""Gigafactories, access modes and calls (with their cut-offs and review rubric)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import OrganisationType


def validate_organisation_types(value) -> None:
    if not isinstance(value, list) or any(item not in OrganisationType.values for item in value):
        raise ValidationError(
            _("Choose organisation types among: %(types)s.") % {"types": ", ".join(OrganisationType.values)}
        )


class GigafactoryStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONSTRUCTION = "construction", _("Under construction")
    OPERATIONAL = "operational", _("Operational")
    MAINTENANCE = "maintenance", _("In maintenance")
    RETIRED = "retired", _("Retired")


class Gigafactory(models.Model):
    """An AI Gigafactory: a site with about 100,000 accelerators whose compute the calls share out."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    host_country = CountryField(_("host country"), countries=ELIGIBLE_COUNTRIES)
    site = models.CharField(_("site"), max_length=120, blank=True)
    accelerator_model = models.CharField(_("accelerator model"), max_length=120)
    accelerator_count = models.PositiveIntegerField(_("accelerator count"))
    availability_percent = models.PositiveSmallIntegerField(
        _("availability (%)"),
        default=90,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of the hours the accelerators are available to users."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=GigafactoryStatus.choices, default=GigafactoryStatus.OPERATIONAL
    )

    class Meta:
        verbose_name = _("Gigafactory")
        verbose_name_plural = _("Gigafactories")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(availability_percent__lte=100), name="gigafactory_availability_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AccessMode(models.Model):
    """Playground, Fast Lane, Large Scale: request bounds (GPU-hours, integers), duration and review rules."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    min_request_gpu_hours = models.PositiveIntegerField(_("minimum request (GPU-hours)"))
    max_request_gpu_hours = models.PositiveIntegerField(_("maximum request (GPU-hours)"))
    max_duration_months = models.PositiveSmallIntegerField(_("maximum duration (months)"))
    reviewers_required = models.PositiveSmallIntegerField(_("reviewers required"), default=0)
    right_to_reply = models.BooleanField(_("right to reply"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("access mode")
        verbose_name_plural = _("access modes")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_request_gpu_hours__lte=models.F("max_request_gpu_hours")),
                name="access_mode_min_not_above_max",
            ),
            models.CheckConstraint(condition=Q(max_duration_months__gte=1), name="access_mode_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class Call(models.Model):
    """An open call for one access mode on one or more Gigafactories.

    A call has one or more cut-offs (a continuous call has periodic ones). An application is batched with the
    first cut-off after its submission; the call takes submissions from ``opens_at`` until its last cut-off.
    Empty eligibility lists mean every eligible country / organisation type.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    access_mode = models.ForeignKey(
        AccessMode, on_delete=models.PROTECT, related_name="calls", verbose_name=_("access mode")
    )
    gigafactories = models.ManyToManyField(Gigafactory, related_name="calls", verbose_name=_("Gigafactories"))
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    opens_at = models.DateTimeField(_("opens at"))
    is_continuous = models.BooleanField(
        _("continuous"), default=False, help_text=_("Open with periodic cut-offs; applications are batched.")
    )
    eligible_countries = CountryField(
        _("eligible countries"),
        countries=ELIGIBLE_COUNTRIES,
        multiple=True,
        blank=True,
        help_text=_("Leave empty for every EU member state and associated country."),
    )
    eligible_organisation_types = models.JSONField(
        _("eligible organisation types"),
        default=list,
        blank=True,
        validators=[validate_organisation_types],
        help_text=_("Leave empty for every type."),
    )
    min_request_gpu_hours = models.PositiveIntegerField(
        _("minimum request (GPU-hours)"), null=True, blank=True, help_text=_("Empty: the access mode's minimum.")
    )
    max_request_gpu_hours = models.PositiveIntegerField(
        _("maximum request (GPU-hours)"), null=True, blank=True, help_text=_("Empty: the access mode's maximum.")
    )
    score_min = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    score_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    max_applications_per_organisation = models.PositiveSmallIntegerField(
        _("maximum applications per organisation"), default=2
    )
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT)
    awards_confidential = models.BooleanField(
        _("awards confidential"),
        default=False,
        help_text=_("The public awards register shows only the organisation type and country of this call's grants."),
    )
    allowed_durations_months = models.JSONField(
        _("allowed durations (months)"),
        default=list,
        blank=True,
        help_text=_("Leave empty for any duration up to the access mode's maximum."),
    )
    reviewers_per_application = models.PositiveSmallIntegerField(
        _("reviewers per application"), null=True, blank=True, help_text=_("Empty: the access mode's number.")
    )
    reply_window_days = models.PositiveSmallIntegerField(_("reply window (days)"), default=7)
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_("Reviewers see no applicant name, organisation, team or document file names."),
    )
    pool_gpu_hours_per_quarter = models.PositiveBigIntegerField(
        _("hours pool per quarter (GPU-hours)"), null=True, blank=True
    )
    form_version = models.PositiveIntegerField(
        _("form version"), default=0, help_text=_("The last published version of the form; 0 before publishing.")
    )
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("cloned from")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["opens_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_request_gpu_hours__isnull=True)
                | Q(max_request_gpu_hours__isnull=True)
                | Q(min_request_gpu_hours__lte=models.F("max_request_gpu_hours")),
                name="call_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(score_min__lt=models.F("score_max")) & Q(score_max__lte=10), name="call_score_scale"
            ),
            models.CheckConstraint(
                condition=Q(max_applications_per_organisation__gte=1), name="call_limit_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def request_min(self) -> int:
        if self.min_request_gpu_hours is not None:
            return self.min_request_gpu_hours
        return self.access_mode.min_request_gpu_hours

    @property
    def request_max(self) -> int:
        if self.max_request_gpu_hours is not None:
            return self.max_request_gpu_hours
        return self.access_mode.max_request_gpu_hours

    @property
    def reviewers_needed(self) -> int:
        if self.reviewers_per_application is not None:
            return self.reviewers_per_application
        return self.access_mode.reviewers_required

    def duration_allowed(self, months: int) -> bool:
        if self.allowed_durations_months:
            return months in self.allowed_durations_months
        return 1 <= months <= self.access_mode.max_duration_months

    def next_cutoff(self, now=None):
        """The first cut-off after ``now`` (``None`` when all have passed). Uses prefetched cut-offs if present."""
        now = now or timezone.now()
        return next((c for c in self.cutoffs.all() if c.at > now), None)


class CallCutoff(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="cutoffs", verbose_name=_("call"))
    at = models.DateTimeField(_("cut-off"))

    class Meta:
        verbose_name = _("cut-off")
        verbose_name_plural = _("cut-offs")
        ordering = ["at"]
        constraints = [models.UniqueConstraint(fields=["call", "at"], name="call_cutoff_unique")]

    def __str__(self) -> str:
        return f"{self.call} · {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class RubricCriterion(models.Model):
    """One criterion of a call's rubric: scored on the call's scale, with a weight and a threshold."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("call"))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    threshold = models.PositiveSmallIntegerField(_("threshold"), default=3)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["call_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="rubric_criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="rubric_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (×{self.weight})"
