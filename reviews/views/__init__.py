"""Reviewer, call manager and applicant pages of the review stage. Thin: parse, call a selector or service, render.

Reviewer and call manager pages live under /staff/reviews/ (MFA enforced by the staff middleware). A user
without the role gets 403; a reviewer opening someone else's assignment gets 404; applicant pages answer 404 to
anyone outside the applying organisation.
"""

from reviews.views.management import (
    assign_reviewer,
    assignment_suggestion,
    call_board,
    eligibility_check,
    panel_application_reviews,
    panel_decide,
    panel_decide_bulk,
    panel_move,
    panel_page,
    review_management,
)
from reviews.views.reviewer import (
    application_reviews,
    review_amend,
    review_assignment,
    review_form,
    review_inbox,
    reviewer_profile,
)

__all__ = [
    "application_reviews",
    "assign_reviewer",
    "assignment_suggestion",
    "call_board",
    "eligibility_check",
    "panel_application_reviews",
    "panel_decide",
    "panel_decide_bulk",
    "panel_move",
    "panel_page",
    "review_amend",
    "review_assignment",
    "review_form",
    "review_inbox",
    "review_management",
    "reviewer_profile",
]
