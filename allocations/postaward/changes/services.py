"""Writes of change requests: making one (the grant's PI) and moving it through the workflow table.

Every function takes keyword arguments and the acting user ``by``, runs in one transaction and raises
``ValidationError`` (a form error / API 400) or ``PermissionDenied``. Emails to the people concerned leave through
the outbox after commit; staff decisions are mirrored to the audit trail.

Locks: the request's row first, then the grants it touches in id order, then the application (the order of the
offer services: grant before application), so two decisions on one request serialise and the second finds it
decided.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.services import TransitionRefused
from allocations.capacity.services._common import REFRESH_SUMMARY
from allocations.models import Application
from allocations.models.capacity import Grant
from allocations.models.changes import (
    OPEN_CHANGE_STATUSES,
    ChangeAction,
    ChangeKind,
    ChangeRequest,
    ChangeRequestEvent,
    ChangeStatus,
    TeamOperation,
)
from allocations.postaward.changes import rules, selectors
from allocations.postaward.changes.workflow import NEEDS_CONSENT, NEEDS_REASON, STAFF_ACTIONS, Party, transition_for
from audit.models import ObjectType
from audit.services import record as audit_record
from portal.emails import queue_templated_email
from portal.links import absolute_url
from portal.outbox import enqueue

MAX_JUSTIFICATION = 4000
# Approved kinds that change hours or dates the dashboards show.
SUMMARY_KINDS = frozenset({ChangeKind.EXTENSION, ChangeKind.SUPPLEMENT, ChangeKind.TRANSFER})


def _person(email: str) -> User:
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"person_email": _("No one with this email address has an account on the portal.")})
    return user


def _target(target_grant_id: int | None, grant: Grant) -> Grant | None:
    if target_grant_id is None:
        return None
    target = Grant.objects.select_related("application").filter(pk=target_grant_id).first()
    if target is None or target.application.organisation_id != grant.application.organisation_id:
        # Grants of other organisations do not exist for the applicant.
        raise ValidationError({"target_grant": _("Choose another grant of your organisation.")})
    return target


def change_request_create(
    *,
    grant_id: int,
    kind: str,
    justification: str,
    by: User,
    new_ends_on: dt.date | None = None,
    amount_seconds: int | None = None,
    target_grant_id: int | None = None,
    person_email: str = "",
    team_operation: str = "",
    now=None,
) -> ChangeRequest:
    """The grant's PI asks for a change. A transfer to a grant of another PI and a PI change wait for that person's
    consent; every other request goes straight to the allocation admins. One open request per grant and kind."""
    now = now or timezone.now()
    if kind not in ChangeKind.values:
        raise ValidationError({"kind": _("Choose a kind of change.")})
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Say why the change is needed.")})
    if len(justification) > MAX_JUSTIFICATION:
        raise ValidationError({"justification": _("Keep the justification under 4,000 characters.")})
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update(of=("self",))
            .select_related("application__call__access_mode", "award", "pool")
            .get(pk=grant_id)
        )
        if grant.application.pi_id != by.pk:
            raise PermissionDenied(_("Only the grant's PI can ask for changes."))
        request = ChangeRequest(
            grant=grant,
            kind=kind,
            requested_by=by,
            justification=justification,
            created_at=now,
            updated_at=now,
            new_ends_on=new_ends_on if kind == ChangeKind.EXTENSION else None,
            amount_seconds=amount_seconds if kind in (ChangeKind.SUPPLEMENT, ChangeKind.TRANSFER) else None,
            target_grant=_target(target_grant_id, grant) if kind == ChangeKind.TRANSFER else None,
            person=_person(person_email) if kind in (ChangeKind.TEAM_CHANGE, ChangeKind.PI_CHANGE) else None,
            team_operation=team_operation if kind == ChangeKind.TEAM_CHANGE else "",
        )
        if kind == ChangeKind.TRANSFER and request.target_grant is None:
            raise ValidationError({"target_grant": _("Choose another grant of your organisation.")})
        rules.check(request)
        if ChangeRequest.objects.filter(grant=grant, kind=kind, status__in=OPEN_CHANGE_STATUSES).exists():
            raise ValidationError(_("A request of this kind is already open on this grant."))
        waits = kind in NEEDS_CONSENT and selectors.counterparty_id(request) != by.pk
        request.status = ChangeStatus.AWAITING_CONSENT if waits else ChangeStatus.SUBMITTED
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:  # a concurrent request of the same kind won
            raise ValidationError(_("A request of this kind is already open on this grant.")) from None
        ChangeRequestEvent.objects.create(
            request=request,
            actor=by,
            action=ChangeAction.SUBMIT,
            from_status="",
            to_status=request.status,
            comment="",
            created_at=now,
        )
        if waits:
            _email(request, template="consent_needed", to=[selectors.counterparty_id(request)])
    return request


def _lock(request_id: int) -> ChangeRequest:
    request = ChangeRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    grant_ids = sorted({request.grant_id, request.target_grant_id} - {None})
    grants = {
        g.pk: g
        for g in Grant.objects.select_for_update(of=("self",))
        .select_related("application__call__access_mode", "award", "pool")
        .filter(pk__in=grant_ids)
        .order_by("pk")
    }
    request.grant = grants[request.grant_id]
    if request.target_grant_id:
        request.target_grant = grants[request.target_grant_id]
    Application.objects.select_for_update().filter(pk=request.grant.application_id).first()
    return request


def change_transition(
    *, request_id: int, action: str, by: User, reason: str = "", now=None
) -> tuple[ChangeRequest, str]:
    """Apply one action of the workflow table (``allocations.postaward.changes.workflow``) under the request's row
    lock, with an append-only event. An approval applies the change; when it cannot be applied (the ledger refuses
    the transfer, the rules no longer hold) the request is refused with that reason instead. Returns the request
    and the reason it was refused for in that case (else ""). Raises ``TransitionRefused`` (wrong status),
    ``PermissionDenied`` (wrong party) or ``ValidationError`` (a refusal without a reason)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if action not in ChangeAction.values or action == ChangeAction.SUBMIT:
        raise ValidationError({"action": _("Choose an action.")})
    with transaction.atomic():
        request = _lock(request_id)
        rule = transition_for(request.status, action)
        if rule is None:
            raise TransitionRefused(
                _("You cannot %(action)s a request that is %(status)s.")
                % {"action": ChangeAction(action).label, "status": ChangeStatus(request.status).label.lower()},
                code="transition",
            )
        if not rule.who & selectors.parties_of(user=by, request=request):
            raise PermissionDenied(_("You may not %(action)s this request.") % {"action": ChangeAction(action).label})
        if action in NEEDS_REASON and not reason:
            raise ValidationError({"reason": _("Give the reason for the decision; the applicant reads it.")})
        to, refused_because, fields = rule.to, "", []
        if action == ChangeAction.APPROVE:
            try:
                with transaction.atomic():
                    fields = rules.apply(request, by=by)
            except ValidationError as exc:
                refused_because = " ".join(exc.messages)
                action, to, reason = ChangeAction.REFUSE, ChangeStatus.REFUSED, refused_because
        _record(request, action=action, to=to, by=by, reason=reason, fields=fields, now=now)
        if to == ChangeStatus.APPROVED and request.kind in SUMMARY_KINDS:
            enqueue(REFRESH_SUMMARY, trigger="change_request")
    return request, refused_because


def _record(request: ChangeRequest, *, action: str, to: str, by: User, reason: str, fields: list[str], now) -> None:
    from_status = request.status
    request.status, request.updated_at = to, now
    fields = [*fields, "status", "updated_at"]
    if action == ChangeAction.CONSENT:
        request.consent_by, request.consent_at = by, now
        fields += ["consent_by", "consent_at"]
    if action in STAFF_ACTIONS:
        request.decided_by, request.decided_at, request.decision_reason = by, now, reason
        fields += ["decided_by", "decided_at", "decision_reason"]
    request.save(update_fields=fields)
    ChangeRequestEvent.objects.create(
        request=request, actor=by, action=action, from_status=from_status, to_status=to, comment=reason, created_at=now
    )
    if action in STAFF_ACTIONS:
        audit_record(
            actor=by,
            action=f"change_request.{action}",
            object_type=ObjectType.CHANGE_REQUEST,
            object_id=request.pk,
            object_label=str(request),
            changes={"status": [from_status, to], "reason": reason},
            now=now,
        )
    _email(request, template="status_changed", to=_concerned(request, action) - {by.pk})


def _concerned(request: ChangeRequest, action: str) -> set[int]:
    people = {request.grant.application.pi_id, request.requested_by_id, selectors.counterparty_id(request)}
    if request.kind == ChangeKind.TEAM_CHANGE and action == ChangeAction.APPROVE:
        people.add(request.person_id)
    return people - {None}


def _email(request: ChangeRequest, *, template: str, to) -> None:
    for user in User.objects.filter(pk__in=list(to), is_active=True).order_by("pk"):
        queue_templated_email(
            to=[user.email],
            template=f"allocations/postaward/changes/email/{template}",
            context={
                "request": request,
                "grant": request.grant,
                "reference": request.grant.application.reference,
                "url": absolute_url("change_request_detail", pk=request.pk),
            },
        )


__all__ = ["MAX_JUSTIFICATION", "Party", "TeamOperation", "change_request_create", "change_transition"]
