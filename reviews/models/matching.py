"""What reviewer matching knows beyond the profile: declared conflicts, publications, affiliation history,
declared relationships, the call's matching setting and the cached text affinities of a call."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DeclaredConflict(models.Model):
    """A reviewer's standing conflict of interest with an organisation: never assigned its applications."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="declared_conflicts",
        verbose_name=_("reviewer"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        ordering = ["reviewer_id", "organisation_id"]
        constraints = [models.UniqueConstraint(fields=["reviewer", "organisation"], name="declared_conflict_once")]

    def __str__(self) -> str:
        return f"{self.reviewer} ↔ {self.organisation}"


class Publication(models.Model):
    """A publication a user lists on their profile (reviewer, PI or team member). Shared DOIs or titles between a
    reviewer and an application's PI or team are a co-authorship conflict."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="publications")
    title = models.CharField(_("title"), max_length=500)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["user_id", "-year", "id"]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="publication_has_title")]

    def __str__(self) -> str:
        return self.title


class Affiliation(models.Model):
    """A present or past affiliation of a user with an organisation; one that ended less than three years ago
    is still a conflict of interest with that organisation's applications."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while current."))

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["user_id", "-ended_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="affiliation_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"


class RelationshipKind(models.TextChoices):
    SUPERVISOR = "supervisor", _("I supervise or supervised them")
    STUDENT = "student", _("They supervise or supervised me")
    FAMILY = "family", _("Family or close personal relationship")


class DeclaredRelationship(models.Model):
    """A reviewer's declared relationship with a person: never assigned applications where that person is the PI
    or on the team."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relationships")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    kind = models.CharField(_("relationship"), max_length=12, choices=RelationshipKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declared relationship")
        verbose_name_plural = _("declared relationships")
        ordering = ["reviewer_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "person"], name="declared_relationship_once"),
            models.CheckConstraint(condition=~Q(reviewer=F("person")), name="relationship_with_someone_else"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} ↔ {self.person}"


class MatchingObjective(models.TextChoices):
    BOTTLENECK = "bottleneck", _("Weakest pair first, then total affinity (default)")
    TOTAL = "total", _("Maximum total affinity")


class CallMatchingSetting(models.Model):
    """How a call's reviewer suggestion is optimised; a call without a row uses the default objective."""

    call = models.OneToOneField("allocations.Call", on_delete=models.CASCADE, related_name="matching_setting")
    objective = models.CharField(
        _("objective"), max_length=12, choices=MatchingObjective.choices, default=MatchingObjective.BOTTLENECK
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("call matching setting")
        verbose_name_plural = _("call matching settings")

    def __str__(self) -> str:
        return f"{self.call} · {self.objective}"


class CallAffinity(models.Model):
    """A call's text affinities, computed by ``reviews.matching.compute_affinities`` and valid while the
    content hash of its applications and reviewer profiles is unchanged.

    ``scores`` holds one unsigned 16-bit integer (ten-thousandths) per application x reviewer, row-major in the
    order of ``application_ids`` and ``reviewer_ids``; ``terms`` the phrases behind each application's best
    matches, keyed ``"<application id>:<reviewer id>"``."""

    call = models.OneToOneField("allocations.Call", on_delete=models.CASCADE, related_name="affinity")
    content_hash = models.CharField(max_length=64)
    application_ids = models.JSONField(default=list)
    reviewer_ids = models.JSONField(default=list)
    scores = models.BinaryField()
    terms = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("call affinity")
        verbose_name_plural = _("call affinities")

    def __str__(self) -> str:
        return f"{self.call} · {self.computed_at:%Y-%m-%d %H:%M}"
