"""The application life cycle of the whole portal: one table of allowed transitions.

Read it as a call manager would: from a status, an action leads to a new status, and only the listed roles may
take it. ``allocations.applications.services.application_transition`` is the one function that applies it (under a row
lock, with an append-only event). Later stages add their rows to ``TRANSITIONS``; nothing else changes.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBILITY_CHECK = "eligibility_check", _("Eligibility check")
    INELIGIBLE = "ineligible", _("Ineligible")
    IN_REVIEW = "in_review", _("In review")
    REVIEWS_COMPLETE = "reviews_complete", _("Reviews complete")
    RIGHT_TO_REPLY = "right_to_reply", _("Right to reply")
    PANEL = "panel", _("Panel")
    APPROVED = "approved", _("Approved")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ACTIVE = "active", _("Active grant")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Action(models.TextChoices):
    SUBMIT = "submit", _("submit")
    WITHDRAW = "withdraw", _("withdraw")
    # Review stage (reviews/): eligibility check, reviews, right to reply, panel decision.
    PASS_CHECK = "pass_check", _("pass the eligibility check of")
    FAIL_CHECK = "fail_check", _("declare ineligible")
    PASS_CHECK_TO_PANEL = "pass_check_to_panel", _("pass the eligibility check (straight to the panel) of")
    COMPLETE_REVIEWS = "complete_reviews", _("complete the reviews of")
    OPEN_REPLY = "open_reply", _("open the right to reply of")
    CLOSE_REPLY = "close_reply", _("close the right to reply of")
    TO_PANEL = "to_panel", _("send to the panel")
    APPROVE = "approve", _("approve")
    WAITLIST = "waitlist", _("waitlist")
    REJECT = "reject", _("reject")
    # Offers and grants (allocations/capacity_services/offers.py).
    OFFER = "offer", _("offer")
    ACCEPT = "accept", _("accept")
    DECLINE = "decline", _("decline")
    EXPIRE = "expire", _("expire the offer of")
    ACTIVATE = "activate", _("activate the grant of")
    CLOSE = "close", _("close the grant of")


class Role(models.TextChoices):
    """What a user is to one application; a user can hold several (a PI is also an organisation member)."""

    PI = "pi", _("Principal investigator")
    ORG_OWNER = "org_owner", _("Owner of the applying organisation")
    ORG_MEMBER = "org_member", _("Member of the applying organisation")
    CALL_MANAGER = "call_manager", _("Call manager")
    ALLOCATION_ADMIN = "allocation_admin", _("Allocation admin")
    # The portal itself (a scheduled task or a follow-up step): events show no person.
    PORTAL = "portal", _("The portal")


@dataclass(frozen=True)
class Transition:
    to: Status
    who: frozenset[Role]


APPLICANT = frozenset({Role.PI, Role.ORG_OWNER})
# Managers may act for the PI (recorded under their own name in the event row).
APPLICANT_OR_MANAGER = frozenset({Role.PI, Role.ORG_OWNER, Role.CALL_MANAGER})
CALL_MANAGER = frozenset({Role.CALL_MANAGER})
PORTAL_OR_MANAGER = frozenset({Role.PORTAL, Role.CALL_MANAGER})

# The applicant may withdraw until the decision.
BEFORE_DECISION = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ELIGIBILITY_CHECK,
    Status.IN_REVIEW,
    Status.REVIEWS_COMPLETE,
    Status.RIGHT_TO_REPLY,
    Status.PANEL,
)

TRANSITIONS: dict[tuple[Status, Action], Transition] = {
    (Status.DRAFT, Action.SUBMIT): Transition(to=Status.SUBMITTED, who=APPLICANT),
    **{
        (status, Action.WITHDRAW): Transition(to=Status.WITHDRAWN, who=APPLICANT_OR_MANAGER)
        for status in BEFORE_DECISION
    },
    # Review stage. Eligibility and technical check by a call manager; modes without reviewers (Playground,
    # Fast Lane) go straight to the panel.
    **{
        (status, action): Transition(to=to, who=CALL_MANAGER)
        for status in (Status.SUBMITTED, Status.ELIGIBILITY_CHECK)
        for action, to in (
            (Action.PASS_CHECK, Status.IN_REVIEW),
            (Action.FAIL_CHECK, Status.INELIGIBLE),
            (Action.PASS_CHECK_TO_PANEL, Status.PANEL),
        )
    },
    # Taken by the portal when the last required review is submitted (so no reviewer appears in the log).
    (Status.IN_REVIEW, Action.COMPLETE_REVIEWS): Transition(to=Status.REVIEWS_COMPLETE, who=PORTAL_OR_MANAGER),
    (Status.REVIEWS_COMPLETE, Action.OPEN_REPLY): Transition(to=Status.RIGHT_TO_REPLY, who=PORTAL_OR_MANAGER),
    (Status.REVIEWS_COMPLETE, Action.TO_PANEL): Transition(to=Status.PANEL, who=PORTAL_OR_MANAGER),
    # The PI's reply closes it; so does the deadline (the portal) or a call manager.
    (Status.RIGHT_TO_REPLY, Action.CLOSE_REPLY): Transition(
        to=Status.PANEL, who=frozenset({Role.PI, Role.PORTAL, Role.CALL_MANAGER})
    ),
    # The panel chair (a call manager) decides.
    (Status.PANEL, Action.APPROVE): Transition(to=Status.APPROVED, who=CALL_MANAGER),
    (Status.PANEL, Action.WAITLIST): Transition(to=Status.WAITLISTED, who=CALL_MANAGER),
    (Status.PANEL, Action.REJECT): Transition(to=Status.REJECTED, who=CALL_MANAGER),
    # Offers: committing an allocation run offers; the PI answers before the deadline, or the portal expires it;
    # the portal activates an accepted grant when it starts (allocations/capacity_services/offers.py).
    # The portal offers on a partner contact's direct award from its partner's pool (checked by that service).
    (Status.APPROVED, Action.OFFER): Transition(to=Status.OFFERED, who=frozenset({Role.ALLOCATION_ADMIN, Role.PORTAL})),
    # The waitlist stays a candidate: "fill from waitlist" offers it hours that came back to a pool.
    (Status.WAITLISTED, Action.OFFER): Transition(
        to=Status.OFFERED, who=frozenset({Role.ALLOCATION_ADMIN, Role.PORTAL})
    ),
    (Status.OFFERED, Action.ACCEPT): Transition(to=Status.ACCEPTED, who=frozenset({Role.PI})),
    (Status.OFFERED, Action.DECLINE): Transition(to=Status.DECLINED, who=frozenset({Role.PI})),
    (Status.OFFERED, Action.EXPIRE): Transition(to=Status.DECLINED, who=frozenset({Role.PORTAL})),
    (Status.ACCEPTED, Action.ACTIVATE): Transition(to=Status.ACTIVE, who=frozenset({Role.PORTAL})),
    # The portal closes the application with its last grant, when the grant's period has ended and its unused hours
    # were reclaimed (allocations/usage_services/reclaim.py); an accepted grant that never started closes the same way.
    (Status.ACTIVE, Action.CLOSE): Transition(to=Status.CLOSED, who=frozenset({Role.PORTAL})),
    (Status.ACCEPTED, Action.CLOSE): Transition(to=Status.CLOSED, who=frozenset({Role.PORTAL})),
}

# Statuses in which the applicant edits the sections; every other status is read-only for them.
EDITABLE = frozenset({Status.DRAFT})
# Applications that count against a call's per-organisation limit.
COUNTS_AGAINST_LIMIT = frozenset(set(Status) - {Status.DRAFT, Status.WITHDRAWN})


def transition_for(status: Status | str, action: Action | str) -> Transition | None:
    return TRANSITIONS.get((Status(status), Action(action)))


def actions_for(status: Status | str, roles: frozenset[Role] | set[Role]) -> list[Action]:
    """The actions ``roles`` may take on an application in ``status`` (for buttons and the API)."""
    return [
        action
        for (from_status, action), rule in TRANSITIONS.items()
        if from_status == Status(status) and rule.who & set(roles)
    ]
