"""Writes of the call designer (call managers only): the call, its cut-offs and rubric, its questions and
document slots, publishing its form versions and closing it. Every change writes a ``CallEvent``."""

from allocations.applications.calls.services.design import (
    call_clone,
    call_close,
    call_create,
    call_extend_cutoff,
    call_publish,
    call_set_criteria,
    call_set_cutoffs,
    call_update,
    publish_problems,
)
from allocations.applications.calls.services.form import (
    call_publish_form_version,
    form_has_changes,
    question_move,
    question_remove,
    question_save,
    slot_move,
    slot_remove,
    slot_save,
    working_questions,
    working_slots,
)

__all__ = [
    "call_clone",
    "call_close",
    "call_create",
    "call_extend_cutoff",
    "call_publish",
    "call_publish_form_version",
    "call_set_criteria",
    "call_set_cutoffs",
    "call_update",
    "form_has_changes",
    "publish_problems",
    "question_move",
    "question_remove",
    "question_save",
    "slot_move",
    "slot_remove",
    "slot_save",
    "working_questions",
    "working_slots",
]
