"""Writes of the review stage.

Each function takes keyword arguments and the acting user ``by``, checks permission and input, runs in one
transaction, writes an append-only ``ReviewEvent`` and raises ``ValidationError`` (form error / API 400),
``DecisionConflict`` (someone decided first; API 409) or ``PermissionDenied``. Application status changes go
through ``allocations.applications.services.application_transition`` (row lock, event, the one transition table). Emails
leave only after commit. Locks are always taken application first, then its assignments.

The code lives in one submodule per stage (``assignment``, ``matching``, ``eligibility``, ``reviewing``,
``reply``, ``panel``); this package re-exports it, so callers keep writing
``from reviews import services; services.review_submit(...)``.
"""

from reviews.services.assignment import (
    CONFLICT_REASONS,
    DEFAULT_DUE_DAYS,
    assignment_accept,
    assignment_by_hand,
    assignment_declare_conflict,
    assignment_decline,
    assignments_create,
    conflict_declare_organisation,
    default_due_on,
    reviewer_profile_save,
    suggestion_accept,
)
from reviews.services.eligibility import eligibility_check_record
from reviews.services.matching import (
    affiliation_add,
    affinities_compute,
    affinities_request,
    matching_objective_set,
    publications_replace,
    relationship_declare,
)
from reviews.services.panel import (
    DECISION_ACTIONS,
    DecisionConflict,
    application_decide,
    applications_decide,
    rank_move,
)
from reviews.services.reply import REPLY_DAYS, reply_submit, reply_window_open, reply_windows_close
from reviews.services.reviewing import AMENDABLE, review_amend, review_reminders_send, review_save, review_submit

__all__ = [
    "AMENDABLE",
    "CONFLICT_REASONS",
    "DECISION_ACTIONS",
    "DEFAULT_DUE_DAYS",
    "REPLY_DAYS",
    "DecisionConflict",
    "affiliation_add",
    "affinities_compute",
    "affinities_request",
    "application_decide",
    "applications_decide",
    "assignment_accept",
    "assignment_by_hand",
    "assignment_declare_conflict",
    "assignment_decline",
    "assignments_create",
    "conflict_declare_organisation",
    "default_due_on",
    "eligibility_check_record",
    "matching_objective_set",
    "publications_replace",
    "rank_move",
    "relationship_declare",
    "reply_submit",
    "reply_window_open",
    "reply_windows_close",
    "review_amend",
    "review_reminders_send",
    "review_save",
    "review_submit",
    "reviewer_profile_save",
    "suggestion_accept",
]
