"""A call's own questions and document slots, and the versions of its form.

On a draft call the form changes freely and publishing freezes it as version 1. On a published call the
changes prepare the next version: ``call_publish_form_version`` freezes it as version N+1, which drafts started
afterwards answer; applications keep the version they started with, so submitted ones stay readable. A question
or slot that was in a published version is retired rather than deleted.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.answers import question_spec, slot_spec
from allocations.applications.calls.services._common import lock_call, record, require_call_manager, require_not_closed
from allocations.models import (
    CHOICE_KINDS,
    SCIENTIFIC_KINDS,
    Call,
    CallDocumentSlot,
    CallEventKind,
    CallFormVersion,
    CallQuestion,
    CallStatus,
    QuestionKind,
    QuestionStep,
)

QUESTION_FIELDS = (
    "kind",
    "label",
    "help_text",
    "required",
    "max_length",
    "word_limit",
    "min_value",
    "max_value",
    "unit",
    "choices",
    "scientific",
    "step",
)
SLOT_FIELDS = ("name", "help_text", "required", "max_size_mb")
MAX_QUESTIONS = 40
MAX_SLOTS = 10
MAX_CHOICES = 30


def working_questions(call: Call):
    return CallQuestion.objects.filter(call=call, retired=False).order_by("position", "id")


def working_slots(call: Call):
    return CallDocumentSlot.objects.filter(call=call, retired=False).order_by("position", "id")


def _question_errors(question: CallQuestion) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if question.kind not in QuestionKind.values:
        return {"kind": [_("Choose a question type.")]}
    if not (question.label or "").strip():
        errors["label"] = [_("Write the question.")]
    if question.step not in QuestionStep.values:
        errors["step"] = [_("Choose the step of the form that asks it.")]
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT and question.max_length is not None and not 1 <= question.max_length <= 1000:
        errors["max_length"] = [_("Give a maximum length between 1 and 1,000 characters.")]
    if kind == QuestionKind.LONG_TEXT and question.word_limit is not None and not 1 <= question.word_limit <= 10000:
        errors["word_limit"] = [_("Give a word limit between 1 and 10,000.")]
    if kind == QuestionKind.NUMBER:
        low, high = question.min_value, question.max_value
        if low is not None and high is not None and Decimal(low) > Decimal(high):
            errors["max_value"] = [_("The maximum must not be below the minimum.")]
    choices = question.choices or []
    if kind in CHOICE_KINDS:
        cleaned = [str(c).strip() for c in choices if str(c).strip()]
        if len(cleaned) < 2 or len(set(cleaned)) != len(cleaned) or len(cleaned) > MAX_CHOICES:
            errors["choices"] = [_("Give between 2 and %(n)d different choices, one per line.") % {"n": MAX_CHOICES}]
        elif any(len(c) > 200 for c in cleaned):
            errors["choices"] = [_("A choice has at most 200 characters.")]
        question.choices = cleaned
    else:
        question.choices = []
    if kind != QuestionKind.SHORT_TEXT:
        question.max_length = None
    if kind != QuestionKind.LONG_TEXT:
        question.word_limit = None
    if kind != QuestionKind.NUMBER:
        question.min_value = question.max_value = None
        question.unit = ""
    if kind not in SCIENTIFIC_KINDS:
        question.scientific = False
    return errors


def _slot_errors(slot: CallDocumentSlot) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (slot.name or "").strip():
        errors["name"] = [_("Name the document, e.g. Technical annex.")]
    if slot.max_size_mb is None or not 1 <= slot.max_size_mb <= 50:
        errors["max_size_mb"] = [_("Give a size limit between 1 and 50 MB.")]
    return errors


def _editable(call_id: int, by: User) -> Call:
    require_call_manager(by)
    call = lock_call(call_id)
    require_not_closed(call)
    return call


def _next_position(queryset) -> int:
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


def question_save(*, call_id: int, by: User, values: dict, question_id: int | None = None) -> CallQuestion:
    """Add a question (``question_id`` empty) or change one. The kind's settings are checked; settings that do
    not apply to the kind are cleared. Its ``step`` places it in the application form; its position stays in the
    call's one order (which also orders the questions within a step)."""
    with transaction.atomic():
        call = _editable(call_id, by)
        if question_id is None:
            if working_questions(call).count() >= MAX_QUESTIONS:
                raise ValidationError(_("A call has at most %(n)d questions.") % {"n": MAX_QUESTIONS})
            question = CallQuestion(call=call, position=_next_position(working_questions(call)))
        else:
            question = working_questions(call).filter(pk=question_id).first()
            if question is None:
                raise ValidationError(_("No such question in this call's form."))
        for name in QUESTION_FIELDS:
            if name in values:
                setattr(question, name, values[name])
        question.label = (question.label or "").strip()
        if errors := _question_errors(question):
            raise ValidationError(errors)
        question.save()
        record(
            call,
            by,
            CallEventKind.QUESTIONS_CHANGED,
            question=question.pk,
            change="added" if question_id is None else "changed",
        )
    return question


def slot_save(*, call_id: int, by: User, values: dict, slot_id: int | None = None) -> CallDocumentSlot:
    """Add a required-document slot (``slot_id`` empty) or change one. PDF only; size limit 1 to 50 MB."""
    with transaction.atomic():
        call = _editable(call_id, by)
        if slot_id is None:
            if working_slots(call).count() >= MAX_SLOTS:
                raise ValidationError(_("A call asks for at most %(n)d documents.") % {"n": MAX_SLOTS})
            slot = CallDocumentSlot(call=call, position=_next_position(working_slots(call)))
        else:
            slot = working_slots(call).filter(pk=slot_id).first()
            if slot is None:
                raise ValidationError(_("No such document in this call's form."))
        for name in SLOT_FIELDS:
            if name in values:
                setattr(slot, name, values[name])
        slot.name = (slot.name or "").strip()
        if errors := _slot_errors(slot):
            raise ValidationError(errors)
        slot.save()
        record(
            call, by, CallEventKind.DOCUMENTS_CHANGED, slot=slot.pk, change="added" if slot_id is None else "changed"
        )
    return slot


def _published_ids(call: Call, key: str) -> set[int]:
    return {item["id"] for version in call.form_versions.all() for item in getattr(version, key)}


def _remove(call_id: int, by: User, model, pk: int, key: str, kind: str) -> None:
    with transaction.atomic():
        call = _editable(call_id, by)
        item = model.objects.filter(pk=pk, call=call, retired=False).first()
        if item is None:
            raise ValidationError(_("No such item in this call's form."))
        if pk in _published_ids(call, key):
            item.retired = True
            item.save(update_fields=["retired"])
        else:
            item.delete()
        record(call, by, kind, item=pk, change="removed")


def question_remove(*, call_id: int, question_id: int, by: User) -> None:
    _remove(call_id, by, CallQuestion, question_id, "questions", CallEventKind.QUESTIONS_CHANGED)


def slot_remove(*, call_id: int, slot_id: int, by: User) -> None:
    _remove(call_id, by, CallDocumentSlot, slot_id, "document_slots", CallEventKind.DOCUMENTS_CHANGED)


def _move(call_id: int, by: User, queryset_of, pk: int, up: bool, kind: str) -> None:
    with transaction.atomic():
        call = _editable(call_id, by)
        items = list(queryset_of(call).select_for_update())
        index = next((i for i, item in enumerate(items) if item.pk == pk), None)
        if index is None:
            raise ValidationError(_("No such item in this call's form."))
        other = index - 1 if up else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        record(call, by, kind, item=pk, change="moved up" if up else "moved down")


def question_move(*, call_id: int, question_id: int, up: bool, by: User) -> None:
    """Move a question one place up or down (the designer's buttons, which work without JavaScript)."""
    _move(call_id, by, working_questions, question_id, up, CallEventKind.QUESTIONS_CHANGED)


def slot_move(*, call_id: int, slot_id: int, up: bool, by: User) -> None:
    _move(call_id, by, working_slots, slot_id, up, CallEventKind.DOCUMENTS_CHANGED)


def working_form(call: Call) -> tuple[list[dict], list[dict]]:
    return [question_spec(q) for q in working_questions(call)], [slot_spec(s) for s in working_slots(call)]


def form_has_changes(call: Call) -> bool:
    """Whether the questions or documents differ from the last published version."""
    if call.form_version == 0:
        return False
    latest = call.form_versions.get(number=call.form_version)
    return working_form(call) != (latest.questions, latest.document_slots)


def freeze_form(*, call: Call, by: User, now) -> CallFormVersion:
    """Freeze the current questions and slots as the call's next version (the caller holds the call's lock)."""
    questions, slots = working_form(call)
    return CallFormVersion.objects.create(
        call=call,
        number=call.form_version + 1,
        questions=questions,
        document_slots=slots,
        published_at=now,
        published_by=by,
    )


def call_publish_form_version(*, call_id: int, by: User, now=None) -> CallFormVersion:
    """Publish the changed questions and documents of a published call as version N+1. Drafts started from now
    on answer it; earlier drafts and submitted applications keep their own version."""
    now = now or timezone.now()
    with transaction.atomic():
        call = _editable(call_id, by)
        if call.status != CallStatus.PUBLISHED:
            raise ValidationError(_("Publish the call first; its form becomes version 1."), code="status")
        if not form_has_changes(call):
            raise ValidationError(_("The questions and documents are as in version %(n)d.") % {"n": call.form_version})
        version = freeze_form(call=call, by=by, now=now)
        call.form_version = version.number
        call.save(update_fields=["form_version", "updated_at"])
        record(call, by, CallEventKind.VERSION_PUBLISHED, version=version.number)
    return version


def copy_form(*, source: Call, target: Call) -> None:
    """Copy the working questions and slots of ``source`` to ``target`` (for cloning a call)."""
    CallQuestion.objects.bulk_create(
        CallQuestion(call=target, **{name: getattr(q, name) for name in (*QUESTION_FIELDS, "position")})
        for q in working_questions(source)
    )
    CallDocumentSlot.objects.bulk_create(
        CallDocumentSlot(call=target, **{name: getattr(s, name) for name in (*SLOT_FIELDS, "position")})
        for s in working_slots(source)
    )
