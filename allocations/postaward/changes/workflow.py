"""The life of a change request: one table of allowed transitions.

A transfer and a PI change wait first for the other party's consent (the receiving grant's PI, the new PI); every
request then waits for an allocation admin's decision. An approval applies the change in the same transaction;
when the change cannot be applied any more (the ledger refuses a transfer, the rules no longer hold), the request
is refused with that reason instead. ``allocations.postaward.changes.services.change_transition`` is the one
applier of this table.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from allocations.models.changes import ChangeAction, ChangeKind, ChangeStatus


class Party(models.TextChoices):
    """What a user is to one change request."""

    REQUESTER = "requester", _("PI of the grant")
    COUNTERPARTY = "counterparty", _("The other party")
    ALLOCATION_ADMIN = "allocation_admin", _("Allocation admin")


@dataclass(frozen=True)
class Transition:
    to: ChangeStatus
    who: frozenset[Party]


REQUESTER = frozenset({Party.REQUESTER})
COUNTERPARTY = frozenset({Party.COUNTERPARTY})
ADMIN = frozenset({Party.ALLOCATION_ADMIN})

TRANSITIONS: dict[tuple[ChangeStatus, ChangeAction], Transition] = {
    (ChangeStatus.AWAITING_CONSENT, ChangeAction.CONSENT): Transition(to=ChangeStatus.SUBMITTED, who=COUNTERPARTY),
    (ChangeStatus.AWAITING_CONSENT, ChangeAction.DECLINE): Transition(to=ChangeStatus.DECLINED, who=COUNTERPARTY),
    (ChangeStatus.AWAITING_CONSENT, ChangeAction.WITHDRAW): Transition(to=ChangeStatus.WITHDRAWN, who=REQUESTER),
    (ChangeStatus.SUBMITTED, ChangeAction.WITHDRAW): Transition(to=ChangeStatus.WITHDRAWN, who=REQUESTER),
    (ChangeStatus.SUBMITTED, ChangeAction.APPROVE): Transition(to=ChangeStatus.APPROVED, who=ADMIN),
    (ChangeStatus.SUBMITTED, ChangeAction.REFUSE): Transition(to=ChangeStatus.REFUSED, who=ADMIN),
}

# Kinds where another person must agree before an allocation admin decides.
NEEDS_CONSENT = frozenset({ChangeKind.TRANSFER, ChangeKind.PI_CHANGE})
# Actions whose actor is staff: their events are mirrored to the audit trail.
STAFF_ACTIONS = frozenset({ChangeAction.APPROVE, ChangeAction.REFUSE})
# Actions that must say why.
NEEDS_REASON = frozenset({ChangeAction.REFUSE})


def transition_for(status: ChangeStatus | str, action: ChangeAction | str) -> Transition | None:
    return TRANSITIONS.get((ChangeStatus(status), ChangeAction(action)))


def actions_for(status: ChangeStatus | str, parties: frozenset[Party] | set[Party]) -> list[ChangeAction]:
    """The actions ``parties`` may take on a request in ``status`` (for buttons and the API)."""
    return [
        action
        for (from_status, action), rule in TRANSITIONS.items()
        if from_status == ChangeStatus(status) and rule.who & set(parties)
    ]
