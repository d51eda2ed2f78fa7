"""The panel: rank moves and decisions."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.services import application_transition, brussels_time
from allocations.applications.workflow import Action, Status
from portal.emails import queue_templated_email
from reviews import selectors
from reviews.models import DECISIONS, PanelDecision, RankMove, ReviewEventKind
from reviews.services._common import _absolute_url, _event, _lock, _require_call_manager, _status_label

DECISION_ACTIONS = {Status.APPROVED: Action.APPROVE, Status.WAITLISTED: Action.WAITLIST, Status.REJECTED: Action.REJECT}


class DecisionConflict(ValidationError):
    """Another call manager decided this application first; nothing was recorded."""


# --- Panel ---------------------------------------------------------------------------------------------------------


def rank_move(*, application_id: int, position: int, justification: str, by: User) -> RankMove:
    """The panel chair moves an application to ``position`` in its panel list, with a written justification."""
    _require_call_manager(by)
    justification = (justification or "").strip()
    errors = {}
    if not justification:
        errors["justification"] = _("Write why the application moves.")
    if position is None or position < 1:
        errors["position"] = _("Choose a position of 1 or more.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application = _lock(application_id)
        if application.status != Status.PANEL:
            raise ValidationError(
                _("Only applications in the panel can move; this one is %(status)s.")
                % {"status": _status_label(application.status)}
            )
        before = selectors.panel_rank_of(application=application)
        move = RankMove.objects.create(
            application=application, position=position, justification=justification, moved_by=by
        )
        _event(
            ReviewEventKind.RANK_MOVE,
            application=application,
            by=by,
            from_position=before,
            to_position=position,
            justification=justification,
        )
    return move


def application_decide(
    *, application_id: int, decision: Status | str, justification: str, by: User, now=None
) -> PanelDecision:
    """The panel chair decides: approved, waitlisted or rejected, with a justification; the PI gets an email after
    commit. Two managers deciding at once serialise on the application's row lock: the first decision stands and
    the other gets ``DecisionConflict`` (nothing recorded, no second email)."""
    _require_call_manager(by)
    try:
        decision = Status(decision)
    except ValueError:
        decision = None
    if decision not in DECISION_ACTIONS:
        raise ValidationError({"decision": _("Choose approved, waitlisted or rejected.")})
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Write a justification for the decision.")})
    with transaction.atomic():
        application = _lock(application_id)
        if application.status in DECISIONS:
            earlier = PanelDecision.objects.select_related("decided_by").filter(application=application).first()
            raise DecisionConflict(
                _(
                    "%(ref)s was already decided (%(decision)s) by %(who)s at %(when)s. Your decision was not "
                    "recorded; reload the panel to see the current state."
                )
                % {
                    "ref": application,
                    "decision": _status_label(application.status),
                    "who": earlier.decided_by if earlier else _("another call manager"),
                    "when": brussels_time(earlier.decided_at) if earlier else "—",
                },
                code="conflict",
            )
        rank = selectors.panel_rank_of(application=application)
        application = application_transition(
            application_id=application.pk, action=DECISION_ACTIONS[decision], by=by, comment=justification, now=now
        )
        try:
            with transaction.atomic():
                record = PanelDecision.objects.create(
                    application=application, decision=decision, rank=rank, justification=justification, decided_by=by
                )
        except IntegrityError:
            raise DecisionConflict(_("%(ref)s was already decided.") % {"ref": application}, code="conflict")
        _event(
            ReviewEventKind.DECISION,
            application=application,
            by=by,
            decision=decision.value,
            rank=rank,
            justification=justification,
        )
        if application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="reviews/email/decision",
                context={
                    "application": application,
                    "decision": decision,
                    # Lazy: rendered once per recipient language.
                    "decision_label": lazy(_status_label, str)(decision),
                    "url": _absolute_url("application_reviews", pk=application.pk),
                },
            )
    return record


def applications_decide(
    *, application_ids: list[int], decision: Status | str, justification: str, by: User
) -> list[PanelDecision]:
    """Decide several applications at once with one justification: all or nothing."""
    if not application_ids:
        raise ValidationError({"applications": _("Select at least one application.")})
    with transaction.atomic():
        return [
            application_decide(application_id=pk, decision=decision, justification=justification, by=by)
            for pk in sorted(set(application_ids))
        ]
