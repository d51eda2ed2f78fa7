"""Writes of the review stage.

Each function takes keyword arguments and the acting user ``by``, checks permission and input, runs in one
transaction, writes an append-only ``ReviewEvent`` and raises ``ValidationError`` (form error / API 400),
``DecisionConflict`` (someone decided first; API 409) or ``PermissionDenied``. Application status changes go
through ``allocations.services.application_transition`` (row lock, event, the one transition table). Emails
leave only after commit. Locks are always taken application first, then its assignments.

The code lives in one submodule per stage (``assignment``, ``eligibility``, ``reviewing``, ``reply``, ``panel``);
this package re-exports it, so callers keep writing ``from reviews import services; services.review_submit(...)``.
"""

from reviews.services.assignment import CONFLICT_REASONS as CONFLICT_REASONS
from reviews.services.assignment import DEFAULT_DUE_DAYS as DEFAULT_DUE_DAYS
from reviews.services.assignment import assignment_accept as assignment_accept
from reviews.services.assignment import assignment_declare_conflict as assignment_declare_conflict
from reviews.services.assignment import assignment_decline as assignment_decline
from reviews.services.assignment import assignments_create as assignments_create
from reviews.services.assignment import conflict_declare_organisation as conflict_declare_organisation
from reviews.services.assignment import default_due_on as default_due_on
from reviews.services.assignment import reviewer_profile_save as reviewer_profile_save
from reviews.services.assignment import suggestion_accept as suggestion_accept
from reviews.services.eligibility import eligibility_check_record as eligibility_check_record
from reviews.services.panel import DECISION_ACTIONS as DECISION_ACTIONS
from reviews.services.panel import DecisionConflict as DecisionConflict
from reviews.services.panel import application_decide as application_decide
from reviews.services.panel import applications_decide as applications_decide
from reviews.services.panel import rank_move as rank_move
from reviews.services.reply import REPLY_DAYS as REPLY_DAYS
from reviews.services.reply import reply_submit as reply_submit
from reviews.services.reply import reply_window_open as reply_window_open
from reviews.services.reply import reply_windows_close as reply_windows_close
from reviews.services.reviewing import AMENDABLE as AMENDABLE
from reviews.services.reviewing import review_amend as review_amend
from reviews.services.reviewing import review_reminders_send as review_reminders_send
from reviews.services.reviewing import review_save as review_save
from reviews.services.reviewing import review_submit as review_submit
