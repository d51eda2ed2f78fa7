"""Terms of access: versioned texts people accept before they use a Gigafactory, and who accepted which.

- ``TermsVersion``: one version of a document: the platform's terms of access (one document for the whole portal) or
  a Gigafactory's acceptable-use policy (one document per Gigafactory). Staff write a draft (Markdown, English with
  optional German and French translations) and publish it; the version published last is the document's current
  one. A published version is never changed or deleted (a database trigger refuses it): a new text is a new version.
- ``TermsAcceptance``: a person accepted a published version, at a time, reading it in a language. Append-only (a
  database trigger refuses UPDATE and DELETE); one row per person and version.

Who has to accept what, and the gates that read it (offer acceptance, cluster provisioning), are in
``allocations.terms.selectors``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

__all__ = ["TermsAcceptance", "TermsKind", "TermsStatus", "TermsVersion"]


class TermsKind(models.TextChoices):
    PLATFORM = "platform", _("Platform terms of access")
    ACCEPTABLE_USE = "aup", _("Acceptable-use policy")


class TermsStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class TermsVersion(models.Model):
    kind = models.CharField(_("document"), max_length=10, choices=TermsKind.choices)
    gigafactory = models.ForeignKey(
        "allocations.Gigafactory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="terms_versions",
        verbose_name=_("Gigafactory"),
        help_text=_("The site whose acceptable-use policy this is; empty for the platform terms."),
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (English, Markdown)"))
    title_de = models.CharField(_("title in German"), max_length=200, blank=True)
    body_de = models.TextField(_("text in German (Markdown)"), blank=True)
    title_fr = models.CharField(_("title in French"), max_length=200, blank=True)
    body_fr = models.TextField(_("text in French (Markdown)"), blank=True)
    changes = models.TextField(
        _("what changed"), blank=True, help_text=_("Shown to people who accepted an earlier version.")
    )
    status = models.CharField(_("status"), max_length=10, choices=TermsStatus.choices, default=TermsStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        ordering = ["kind", "gigafactory_id", "-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="platform", gigafactory__isnull=True) | Q(kind="aup", gigafactory__isnull=False),
                name="terms_version_document",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True, published_by__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="terms_version_published_has_date",
            ),
            models.UniqueConstraint(
                fields=["kind", "gigafactory", "number"], nulls_distinct=False, name="terms_version_number_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "gigafactory", "published_at"],
                nulls_distinct=False,
                condition=Q(status="published"),
                name="terms_version_one_current",
            ),
        ]
        indexes = [models.Index(fields=["kind", "gigafactory", "-published_at"], name="terms_version_current")]

    def __str__(self) -> str:
        return f"{self.document_label} v{self.number}"

    @property
    def document(self) -> tuple[str, int | None]:
        """The document this is a version of: ``(kind, gigafactory_id)``."""
        return (self.kind, self.gigafactory_id)

    @property
    def document_label(self) -> str:
        if self.kind == TermsKind.ACCEPTABLE_USE and self.gigafactory_id:
            return _("Acceptable-use policy of %(site)s") % {"site": self.gigafactory.name}
        return str(TermsKind.PLATFORM.label)

    def text_in(self, language: str | None = None) -> tuple[str, str, str]:
        """``(language, title, body)`` in ``language`` (default: the active one) when translated, else English."""
        language = (language or get_language() or "en")[:2]
        if language in ("de", "fr") and getattr(self, f"body_{language}"):
            return language, getattr(self, f"title_{language}") or self.title, getattr(self, f"body_{language}")
        return "en", self.title, self.body


class TermsAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="terms_acceptances")
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted at"))
    language = models.CharField(_("language read"), max_length=8, default="en")

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="terms_accepted_once")]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.version}"
