"""Direct awards from a partner's pool: made by the partner's contact or by an allocation admin on the partner's
behalf, with a recorded justification; the ledger refuses an award larger than what is left (no overdraft)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_allocation_admin, may_use_staff_roles
from allocations.applications.services import applications_transition
from allocations.applications.workflow import Action, Status
from allocations.capacity.services._common import REFRESH_SUMMARY
from allocations.capacity.services.awards import _periods_and_pools, _post_grants, _slice_grants
from allocations.capacity.services.runs import OFFER_DAYS, lock_pool
from allocations.capacity.slices import project_from
from allocations.models import Application
from allocations.models.capacity import Award, Pool, PoolKind
from portal.outbox import enqueue
from portal.units import gpu_seconds

DIRECT_AWARD_STATUSES = (Status.APPROVED, Status.WAITLISTED)


def may_award_from(user: User, pool: Pool) -> bool:
    """Allocation admins, and the contacts of the pool's partner (partner pools only)."""
    if pool.kind != PoolKind.PARTNER or not user.is_authenticated:
        return False
    return is_allocation_admin(user) or pool.partner.contact_users.filter(pk=user.pk).exists()


def require_mfa(user: User) -> None:
    """A partner's contact awards hours only from a session (or token) that passed two-factor authentication."""
    if not may_use_staff_roles(user):
        raise PermissionDenied(_("Pass two-factor authentication to award hours from your partner's pool."))


def award_direct(*, pool_id: int, application_id: int, hours: int, justification: str, by: User, now=None) -> Award:
    """Award ``hours`` GPU-hours over the application's project from a partner's pool: the award and its slices in
    the periods already split (each from that period's pool of the same partner), offered to the PI. The
    application is approved, or waitlisted by the panel and sponsored by the partner. Raises ``Pool.DoesNotExist``
    to anybody who may not award from the pool (a 404: other partners do not learn it exists), ``PermissionDenied``
    to a contact whose session did not pass MFA, ``ValidationError`` for bad input or when the ledger refuses (no
    overdraft), with its reason."""
    now = now or timezone.now()
    pool = Pool.objects.select_related("period", "partner", "account").get(pk=pool_id)
    if not may_award_from(by, pool):
        raise Pool.DoesNotExist
    require_mfa(by)
    errors = {}
    if hours is None or hours <= 0:
        errors["hours"] = _("Enter a number of GPU-hours above zero.")
    if not (justification or "").strip():
        errors["justification"] = _("Say why this project gets hours from the partner's pool.")
    if errors:
        raise ValidationError(errors)
    period = pool.period
    with transaction.atomic():
        lock_pool(pool.pk)
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        if application is None:
            raise ValidationError({"application": _("There is no application with that reference.")})
        # Approved by the panel, or waitlisted by it and sponsored by the partner (its justification says why).
        if application.status not in DIRECT_AWARD_STATUSES or Award.objects.filter(application=application).exists():
            raise ValidationError(
                {"application": _("Only an approved or waitlisted application without an award can get one.")}
            )
        covers = project_from(application.start_month, application.duration_months, (period.starts_on, period.ends_on))
        if covers is None:
            raise ValidationError({"application": _("The project does not run in %(period)s.") % {"period": period}})
        award = Award.objects.create(
            application=application,
            gigafactory_id=period.gigafactory_id,
            kind=PoolKind.PARTNER,
            partner=pool.partner,
            total_seconds=gpu_seconds(hours),
            starts_on=covers[0],
            ends_on=covers[1],
            justification=justification.strip(),
            created_by=by,
            created_at=now,
        )
        periods, pools = _periods_and_pools(
            gigafactory_id=period.gigafactory_id,
            after=period.starts_on,
            kind=PoolKind.PARTNER,
            owner_id=pool.partner_id,
        )
        pools[period.pk] = pool
        grants = _slice_grants(
            award, application, periods, pools, offered_at=now, respond_by=now + timezone.timedelta(days=OFFER_DAYS)
        )
        _post_grants(grants, by=by, field="hours")
        admin = is_allocation_admin(by)
        applications_transition(
            application_ids=[application.pk],
            action=Action.OFFER,
            by=by if admin else None,
            comment="" if admin else f"direct award from {pool.partner} by its contact {by.email}",
            now=now,
        )
        enqueue(REFRESH_SUMMARY, trigger="award_direct")
    return award
