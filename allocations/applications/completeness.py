"""Which required answers an application still lacks, per section. Pure: reads attributes, no database.

Drafts may be incomplete; submission needs every section complete. Field names are returned, labels are the
caller's business (``allocations.applications.selectors.section_status`` maps them to the form's labels).
"""

from dataclasses import dataclass

REQUIRED: dict[str, tuple[str, ...]] = {
    "project": ("title", "acronym", "abstract", "ai_domain", "keywords"),
    "team": ("pi_id",),
    "resources": (
        "requested_gpu_hours",
        "minimum_gpu_hours",
        "preferred_gigafactory_id",
        "start_month",
        "duration_months",
        "largest_job_gpus",
        "storage_tb",
        "software_stack",
        "scaling_evidence",
    ),
    "ethics": ("data_sources", "personal_data", "ethics_self_assessment", "dual_use", "open_science_commitment"),
}
SECTIONS = ("project", "team", "resources", "ethics", "attachments")
WITH_QUESTIONS = ("project", "team", "resources", "ethics", "questions", "attachments")
QUESTIONS_STEP = "questions"


def question_step(question: dict) -> str:
    """The step a question of a form version sits in: one of the steps with fields, else (versions frozen before
    questions had a step) the "Call questions" step."""
    step = question.get("step")
    return step if step in REQUIRED else QUESTIONS_STEP


def in_step(questions: list[dict], step: str) -> list[dict]:
    """The questions of ``step``, in form order."""
    return sorted((q for q in questions if question_step(q) == step), key=lambda q: (q.get("position", 0), q["id"]))


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple):
        return len(value) == 0 if not isinstance(value, str) else not value.strip()
    return False


@dataclass(frozen=True)
class Completeness:
    missing: dict[str, tuple[str, ...]]
    sections: tuple[str, ...] = SECTIONS

    @property
    def complete_sections(self) -> int:
        return sum(1 for s in self.sections if not self.missing.get(s))

    @property
    def percent(self) -> int:
        return self.complete_sections * 100 // len(self.sections)

    @property
    def is_complete(self) -> bool:
        return not any(self.missing.values())

    def section_complete(self, section: str) -> bool:
        return not self.missing.get(section)


def completeness(
    application, *, annex_count: int, cv_count: int, form=None, slot_ids: tuple[int, ...] = ()
) -> Completeness:
    """Missing field names per section (empty tuple = complete).

    ``form`` is the application's form version (its ``questions`` and ``document_slots``), if any: required
    questions without an answer are missing as ``question:<id>`` in the step they sit in (the "Call questions"
    step is a section only when a question sits there); when the form names document slots, each
    required slot without a document (``slot_ids`` lists the slots with one) is missing as ``slot:<id>`` and the
    fixed technical annex and CV are not asked for.
    """
    missing: dict[str, tuple[str, ...]] = {}
    for section, fields in REQUIRED.items():
        gaps = [name for name in fields if _blank(getattr(application, name, None))]
        if section == "team" and gaps:
            gaps = ["pi"]
        if section == "resources":
            gaps = [name.removesuffix("_id") for name in gaps]
        if section == "ethics":
            if application.personal_data is True and _blank(application.personal_data_legal_basis):
                gaps.append("personal_data_legal_basis")
            if application.dual_use is True and _blank(application.dual_use_details):
                gaps.append("dual_use_details")
        missing[section] = tuple(gaps)
    questions = list(getattr(form, "questions", None) or [])
    slots = list(getattr(form, "document_slots", None) or [])
    answers = getattr(application, "answers", None) or {}
    own_step = any(question_step(q) == QUESTIONS_STEP for q in questions)
    if own_step:
        missing[QUESTIONS_STEP] = ()
    for q in sorted(questions, key=lambda q: (q.get("position", 0), q["id"])):
        if q["required"] and _blank(answers.get(str(q["id"]))):
            step = question_step(q)
            missing[step] = (*missing[step], f"question:{q['id']}")
    attachment_gaps = []
    if slots:
        attachment_gaps = [f"slot:{s['id']}" for s in slots if s["required"] and s["id"] not in slot_ids]
    else:
        if annex_count < 1:
            attachment_gaps.append("technical_annex")
        if cv_count < 1:
            attachment_gaps.append("cv")
    missing["attachments"] = tuple(attachment_gaps)
    return Completeness(missing=missing, sections=WITH_QUESTIONS if own_step else SECTIONS)
