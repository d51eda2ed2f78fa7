"""Reads for the read-only answer sheet of an application: the check-your-answers page, the printable view and
the reviewers' page. Who may read it is the caller's check; ``url_for`` gives each document's download link."""

from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _

from allocations.applications.question_forms import answered_questions
from allocations.models import Application, ApplicationMember, Attachment, AttachmentKind


def _documents(application: Application, attachments: list[Attachment]) -> list[dict]:
    slots = application.form_version.document_slots if application.form_version_id else []
    if slots:
        return [
            {
                "label": slot["name"],
                "required": slot["required"],
                "attachment": next((a for a in attachments if a.slot_id == slot["id"]), None),
            }
            for slot in slots
        ]
    documents = [{"label": a.get_kind_display(), "required": True, "attachment": a} for a in attachments]
    kinds = {a.kind for a in attachments}
    for kind in (AttachmentKind.TECHNICAL_ANNEX, AttachmentKind.CV):
        if kind not in kinds:
            documents.append({"label": str(kind.label), "required": True, "attachment": None})
    return documents


def answer_sheet(*, application: Application, url_for: Callable[[Attachment], str] | None = None) -> dict:
    """``answered`` (each call question with its answer), ``answered_in`` (the same by the step each sits in),
    ``documents`` (each slot or document with its file), ``members`` (the team). Three queries at most."""
    attachments = list(Attachment.objects.filter(application=application).order_by("kind", "uploaded_at"))
    documents = _documents(application, attachments)
    for document in documents:
        attachment = document["attachment"]
        document["url"] = url_for(attachment) if attachment is not None and url_for is not None else ""
    questions = application.form_version.questions if application.form_version_id else []
    answered = answered_questions(questions, application.answers or {})
    answered_in = defaultdict(list)
    for question in answered:
        answered_in[question["step"]].append(question)
    return {
        "answered": answered,
        "answered_in": dict(answered_in),
        "documents": documents,
        "members": list(ApplicationMember.objects.filter(application=application).order_by("position", "id")),
        "blind_note": _("Blind review: the reviewers do not see who applies.") if application.call.blind_review else "",
    }
