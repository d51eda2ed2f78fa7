"""Answers a demo applicant gives to a call's own questions and documents (used by the demo seeds only)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from allocations.applications import services
from allocations.models import Application

SAMPLE = {
    "short_text": "Open model",
    "long_text": "Public-domain and licensed corpora, documented in the technical annex.",
    "number": "8",
    "yes_no": True,
    "date": "2027-06-30",
    "url": "https://example.org/code",
}


def _sample(question: dict):
    if question["kind"] == "single_choice":
        return question["choices"][0]
    if question["kind"] == "multiple_choice":
        return question["choices"][:1]
    return SAMPLE[question["kind"]]


def answer_call_form(*, application_id: int, by: User, pdf: bytes) -> None:
    """Answer every required question of the application's form version and upload each required document."""
    application = Application.objects.select_related("form_version").get(pk=application_id)
    form = application.form_version
    if form is None:
        return
    answers = {str(q["id"]): _sample(q) for q in form.questions if q["required"]}
    if answers:
        services.application_update(
            application_id=application_id,
            by=by,
            changes={"questions": (application.questions_version, {"answers": answers})},
        )
    for slot in form.document_slots:
        if slot["required"]:
            name = slot["name"].lower().replace(" ", "-") + ".pdf"
            upload = SimpleUploadedFile(name, pdf, content_type="application/pdf")
            services.attachment_add(application_id=application_id, kind="", upload=upload, by=by, slot_id=slot["id"])
