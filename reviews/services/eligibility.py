"""The eligibility and technical check of a submitted application."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.services import application_transition, check_transition
from allocations.applications.workflow import Action
from portal.emails import queue_templated_email
from reviews.models import CheckOutcome, EligibilityCheck, ReviewEventKind
from reviews.services._common import _absolute_url, _event, _lock, _require_call_manager

# --- Eligibility and technical check ----------------------------------------------------------------------------


def eligibility_check_record(
    *,
    application_id: int,
    by: User,
    country_eligible: bool,
    organisation_type_eligible: bool,
    request_within_bounds: bool,
    software_runs: bool,
    scaling_adequate: bool,
    reason: str = "",
    now=None,
) -> EligibilityCheck:
    """A call manager records the checklist. Every point holds: eligible, and the application goes to review (or
    straight to the panel when its mode has no reviewers). Otherwise ineligible: a reason is required, the
    application ends and the PI gets an email with the reason. ``now``: when the check took place (default: the
    clock)."""
    _require_call_manager(by)
    checks = {
        "country_eligible": country_eligible,
        "organisation_type_eligible": organisation_type_eligible,
        "request_within_bounds": request_within_bounds,
        "software_runs": software_runs,
        "scaling_adequate": scaling_adequate,
    }
    eligible = all(checks.values())
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise ValidationError({"reason": _("Give the reason the application is ineligible; the PI receives it.")})
    with transaction.atomic():
        application = _lock(application_id)
        if not eligible:
            action = Action.FAIL_CHECK
        elif application.call.reviewers_needed == 0:
            action = Action.PASS_CHECK_TO_PANEL
        else:
            action = Action.PASS_CHECK
        check_transition(application=application, action=action, by=by)
        if EligibilityCheck.objects.filter(application=application).exists():
            raise ValidationError(_("This application was already checked."))
        check = EligibilityCheck.objects.create(
            application=application,
            outcome=CheckOutcome.ELIGIBLE if eligible else CheckOutcome.INELIGIBLE,
            reason=reason,
            checked_by=by,
            **checks,
        )
        application = application_transition(
            application_id=application.pk, action=action, by=by, comment=reason, now=now
        )
        _event(ReviewEventKind.CHECK, application=application, by=by, outcome=check.outcome, **checks)
        if not eligible and application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="reviews/email/ineligible",
                context={
                    "application": application,
                    "reason": reason,
                    "url": _absolute_url("application_detail", pk=application.pk),
                },
            )
    return check
