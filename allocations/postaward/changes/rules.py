"""What each kind of change request must satisfy, and what an approval does. Checked when the request is made and
again, under the rows' locks, when an allocation admin approves it.

- extension: the award's last slice ends later, within the call's longest duration counted from the project's start;
  no hours are added and no other slice changes (its unused hours stay usable until the new end).
- supplement: extra GPU-seconds from the grant's pool (a ledger transfer; the pool's "no overdraft" flag refuses more
  than it holds).
- transfer: GPU-seconds move from the grant to another running grant of the same organisation on the same
  Gigafactory (a ledger transfer; the organisation's total stays the same).
- team change: a person is added to or removed from the grant's team (the provisioning desired state follows).
- PI change: a member of the organisation becomes the application's PI.
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from allocations.capacity.selectors import hours, pool_balance
from allocations.capacity.services import NAMESPACE, gpu_ledger
from allocations.capacity.slices import add_months
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.changes import ChangeKind, ChangeRequest, TeamOperation
from allocations.models.provisioning import GrantMember
from ledger.engine import Result, TransferSpec
from ledger.models import Account, TransferCode
from ledger.services import RESULT_MESSAGES, transfers_create

RUNNING = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE)


def _day(value: dt.date) -> str:
    return formats.date_format(value, "j M Y")


def transfer_id(request: ChangeRequest) -> uuid.UUID:
    """The ledger id of an approved request's transfer: derived from the request, so a retry moves nothing twice."""
    return uuid.uuid5(NAMESPACE, f"change-request:{request.pk}")


def require_running(grant: Grant, field: str = "grant") -> None:
    if grant.status not in RUNNING:
        raise ValidationError(
            {
                field: _("Changes can be asked only on an accepted or active grant; this one is %(status)s.")
                % {"status": GrantStatus(grant.status).label.lower()}
            }
        )


def last_slice(grant: Grant) -> Grant:
    """The running slice of the grant's award that ends last (the grant itself when it has no award)."""
    if not grant.award_id:
        return grant
    return (
        Grant.objects.filter(award_id=grant.award_id, status__in=RUNNING).order_by("-ends_on", "-pk").first() or grant
    )


def latest_end(grant: Grant) -> dt.date:
    """The latest end (exclusive) the call allows: the project's first month plus the call's longest duration."""
    application = grant.application
    call = application.call
    months = max(call.allowed_durations_months or [call.access_mode.max_duration_months])
    start = application.start_month or (grant.award.starts_on if grant.award_id else grant.starts_on)
    return add_months(start, months)


def _check_extension(request: ChangeRequest) -> None:
    grant = request.grant
    last = last_slice(grant)
    if grant.award_id and grant.award.ends_on > last.ends_on:
        raise ValidationError(
            {"new_ends_on": _("The award's last quarter has no grant yet; ask for an extension once it has one.")}
        )
    if request.new_ends_on is None or request.new_ends_on <= last.ends_on:
        raise ValidationError(
            {"new_ends_on": _("Choose a date after the current end, %(end)s.") % {"end": _day(last.ends_on)}}
        )
    limit = latest_end(grant)
    if request.new_ends_on > limit:
        raise ValidationError(
            {
                "new_ends_on": _("The call allows this project to run until %(limit)s (end exclusive) at the latest.")
                % {"limit": _day(limit)}
            }
        )


def _check_amount(request: ChangeRequest) -> None:
    if not request.amount_seconds or request.amount_seconds <= 0:
        raise ValidationError({"hours": _("Enter a number of GPU-hours above zero.")})


def _check_transfer(request: ChangeRequest) -> None:
    _check_amount(request)
    source, target = request.grant, request.target_grant
    if target is None or target.pk == source.pk:
        raise ValidationError({"target_grant": _("Choose another grant of your organisation.")})
    if target.application.organisation_id != source.application.organisation_id:
        raise ValidationError({"target_grant": _("Hours move only between grants of the same organisation.")})
    if target.gigafactory_id != source.gigafactory_id:
        raise ValidationError({"target_grant": _("Hours move only between grants on the same Gigafactory.")})
    require_running(target, "target_grant")
    left = pool_balance(Account.objects.get(pk=source.account_id))
    if request.amount_seconds > left or request.amount_seconds >= source.granted_seconds:
        raise ValidationError(
            {"hours": _("This grant has %(left)s GPU-h left to move (it keeps at least one).") % {"left": hours(left)}}
        )


def _check_team_change(request: ChangeRequest) -> None:
    person, application = request.person, request.grant.application
    on_team = GrantMember.objects.filter(application=application, user=person).exists()
    if request.team_operation == TeamOperation.ADD and on_team:
        raise ValidationError({"person_email": _("This person is already on the grant's team.")})
    if request.team_operation == TeamOperation.REMOVE and not on_team:
        raise ValidationError({"person_email": _("This person is not on the grant's team.")})
    if request.team_operation not in TeamOperation.values:
        raise ValidationError({"team_operation": _("Choose to add or remove the person.")})


def _check_pi_change(request: ChangeRequest) -> None:
    application = request.grant.application
    if request.person_id == application.pi_id:
        raise ValidationError({"person_email": _("This person is already the PI.")})
    if not Membership.objects.filter(organisation_id=application.organisation_id, user=request.person).exists():
        raise ValidationError({"person_email": _("The new PI must be a member of the organisation.")})


CHECKS = {
    ChangeKind.EXTENSION: _check_extension,
    ChangeKind.SUPPLEMENT: _check_amount,
    ChangeKind.TRANSFER: _check_transfer,
    ChangeKind.TEAM_CHANGE: _check_team_change,
    ChangeKind.PI_CHANGE: _check_pi_change,
}


def check(request: ChangeRequest) -> None:
    """Raise ``ValidationError`` (keyed by form field) unless ``request`` may be made or approved now."""
    require_running(request.grant)
    CHECKS[ChangeKind(request.kind)](request)


# --- what an approval does (the caller holds the request's and the grants' row locks) ----------------------------


def _move(request: ChangeRequest, *, debit: int, credit: int, code: str, by: User | None) -> None:
    spec = TransferSpec(
        id=transfer_id(request),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=request.amount_seconds,
        ledger_id=gpu_ledger().pk,
        code=code,
        user_data=f"change request {request.pk} {request.kind}",
    )
    outcome = transfers_create(transfers=[spec], by=by)[0]
    if outcome.result not in (Result.OK, Result.EXISTS):
        message = RESULT_MESSAGES.get(outcome.result) or _("The ledger refused the transfer (%(code)s).") % {
            "code": outcome.result.value
        }
        raise ValidationError(_("The ledger refused the transfer: %(reason)s") % {"reason": message})
    request.transfer_id = spec.id


def _apply_extension(request: ChangeRequest, by: User | None) -> list[str]:
    last = Grant.objects.select_for_update(of=("self",)).get(pk=last_slice(request.grant).pk)
    request.previous_ends_on = last.ends_on
    last.ends_on = request.new_ends_on
    last.save(update_fields=["ends_on"])
    return ["previous_ends_on"]


def _apply_supplement(request: ChangeRequest, by: User | None) -> list[str]:
    grant = request.grant
    _move(request, debit=grant.pool.account_id, credit=grant.account_id, code=TransferCode.GRANT, by=by)
    grant.granted_seconds += request.amount_seconds
    grant.save(update_fields=["granted_seconds"])
    return ["transfer_id"]


def _apply_transfer(request: ChangeRequest, by: User | None) -> list[str]:
    source, target = request.grant, request.target_grant
    _move(request, debit=source.account_id, credit=target.account_id, code=TransferCode.GRANT, by=by)
    source.granted_seconds -= request.amount_seconds
    target.granted_seconds += request.amount_seconds
    source.save(update_fields=["granted_seconds"])
    target.save(update_fields=["granted_seconds"])
    return ["transfer_id"]


def _apply_team_change(request: ChangeRequest, by: User | None) -> list[str]:
    application_id = request.grant.application_id
    if request.team_operation == TeamOperation.ADD:
        GrantMember.objects.get_or_create(
            application_id=application_id, user=request.person, defaults={"added_by": request.requested_by}
        )
    else:
        GrantMember.objects.filter(application_id=application_id, user=request.person).delete()
    return []


def _apply_pi_change(request: ChangeRequest, by: User | None) -> list[str]:
    application = request.grant.application
    application.pi = request.person
    application.save(update_fields=["pi"])
    return []


EFFECTS = {
    ChangeKind.EXTENSION: _apply_extension,
    ChangeKind.SUPPLEMENT: _apply_supplement,
    ChangeKind.TRANSFER: _apply_transfer,
    ChangeKind.TEAM_CHANGE: _apply_team_change,
    ChangeKind.PI_CHANGE: _apply_pi_change,
}


def apply(request: ChangeRequest, *, by: User | None) -> list[str]:
    """Check the request again and apply it; returns the request's fields it set. Raises ``ValidationError`` with
    the reason (the ledger's, for a transfer it refuses) and then changes nothing."""
    check(request)
    return EFFECTS[ChangeKind(request.kind)](request, by)
