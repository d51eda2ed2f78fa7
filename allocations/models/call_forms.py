"""What a call asks beyond the common form: its questions, its document slots, the frozen versions of that form,
and the append-only log of every change a call manager makes to a call."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes or no")
    DATE = "date", _("Date")
    URL = "url", _("Web address (URL)")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
# Kinds whose answers are words, and so can say what an application is about (see ``CallQuestion.scientific``).
SCIENTIFIC_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT, *CHOICE_KINDS})


class QuestionStep(models.TextChoices):
    """The steps of the application form a call question can sit in: the ones whose page carries fields (values
    and labels as ``Section``'s), or the "Call questions" step of their own. Not the attachments or the review."""

    PROJECT = "project", _("Project")
    TEAM = "team", _("Team")
    RESOURCES = "resources", _("Resources")
    ETHICS = "ethics", _("Data and ethics")
    QUESTIONS = "questions", _("Call questions")


class CallQuestion(models.Model):
    """A typed question of a call, shown in its ``step`` of the application form: below that step's own fields, or
    in the "Call questions" step (the default). Answers are keyed by the question's id, wherever it sits.

    A question that was part of a published form version is retired rather than deleted, so applications
    answering that version stay readable. The answers to a scientific question join the application's title and
    abstract in the text that reviewers are matched on (as the question stands in the application's version).
    """

    call = models.ForeignKey("allocations.Call", on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    max_length = models.PositiveIntegerField(_("maximum length (characters)"), null=True, blank=True)
    word_limit = models.PositiveIntegerField(_("word limit"), null=True, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=18, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    scientific = models.BooleanField(
        _("scientific"),
        default=False,
        help_text=_("Scientific: the answer is used to match reviewers (text and choice questions)."),
    )
    step = models.CharField(
        _("step"),
        max_length=20,
        choices=QuestionStep.choices,
        default=QuestionStep.QUESTIONS,
        help_text=_(
            "The step of the application form that asks it, below that step's own fields. “Call questions” is a "
            "step of its own, shown only when a question is placed in it."
        ),
    )
    retired = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("call question")
        verbose_name_plural = _("call questions")
        ordering = ["call_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="call_question_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class CallDocumentSlot(models.Model):
    """A named PDF an application of the call uploads (e.g. "Technical annex"), with its own size limit."""

    call = models.ForeignKey("allocations.Call", on_delete=models.CASCADE, related_name="document_slots")
    name = models.CharField(_("name"), max_length=120)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    max_size_mb = models.PositiveSmallIntegerField(_("size limit (MB)"), default=10)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    retired = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("document slot")
        verbose_name_plural = _("document slots")
        ordering = ["call_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_size_mb__gte=1) & Q(max_size_mb__lte=50), name="document_slot_size_1_to_50_mb"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_bytes(self) -> int:
        return self.max_size_mb * 1024 * 1024


class CallFormVersion(models.Model):
    """The questions and document slots of a call as published: version N is frozen and never changes."""

    call = models.ForeignKey("allocations.Call", on_delete=models.PROTECT, related_name="form_versions")
    number = models.PositiveIntegerField(_("version"))
    questions = models.JSONField(default=list)
    document_slots = models.JSONField(default=list)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["call_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="call_form_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="call_form_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} v{self.number}"

    def required_slot_ids(self) -> list[int]:
        return [slot["id"] for slot in self.document_slots if slot["required"]]


class CallEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    CLONED = "cloned", _("Cloned")
    UPDATED = "updated", _("Updated")
    CUTOFFS_CHANGED = "cutoffs_changed", _("Cut-offs changed")
    CUTOFF_EXTENDED = "cutoff_extended", _("Cut-off extended")
    RUBRIC_CHANGED = "rubric_changed", _("Rubric changed")
    QUESTIONS_CHANGED = "questions_changed", _("Questions changed")
    DOCUMENTS_CHANGED = "documents_changed", _("Document slots changed")
    PUBLISHED = "published", _("Published")
    VERSION_PUBLISHED = "version_published", _("New form version published")
    CLOSED = "closed", _("Closed")


class CallEvent(models.Model):
    """One change to a call by a call manager. Append-only: a database trigger refuses UPDATE and DELETE."""

    call = models.ForeignKey("allocations.Call", on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what"), max_length=30, choices=CallEventKind.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["call_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.kind}"
