"""Reclaims: when its period ends, a grant's unused GPU-seconds move to the next period's matching pool."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.capacity import services as capacity_services
from allocations.models import Application
from allocations.models.capacity import CapacityPeriod, Grant, GrantStatus, Pool, PoolKind
from allocations.models.usage import UsageReclaim
from allocations.usage import selectors
from allocations.usage.services._common import REFRESH_SUMMARY, _require_admin, _transfer_id
from ledger.engine import Result, TransferSpec
from ledger.models import Account, TransferCode
from ledger.services import transfers_create
from portal.emails import queue_templated_email
from portal.links import absolute_url
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

# --- reclaim --------------------------------------------------------------------------------------------------------


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def next_pool(*, grant: Grant) -> Pool | None:
    """The pool of the next period of the grant's Gigafactory that matches the grant's pool (same access mode or
    partner); ``None`` while that period is not split into pools yet."""
    period = grant.period
    following = (
        CapacityPeriod.objects.filter(gigafactory_id=period.gigafactory_id, starts_on__gte=period.ends_on)
        .order_by("starts_on")
        .first()
    )
    if following is None:
        return None
    pools = Pool.objects.filter(period=following, kind=grant.pool.kind).select_related("account")
    if grant.pool.kind == PoolKind.OPEN_ACCESS:
        return pools.filter(access_mode_id=grant.pool.access_mode_id).first()
    return pools.filter(partner_id=grant.pool.partner_id).first()


def grant_reclaim(*, grant_id: int, today: dt.date | None = None, by: User | None = None) -> UsageReclaim | None:
    """Move a grant's unused GPU-seconds of its (ended) period to the next period's matching pool, close the grant
    and queue a notice to its PI. Once per grant and period: under the grant's row lock, a second call (or a
    concurrent one) finds the reclaim row and does nothing; the transfer id is derived from grant and period.
    Returns the reclaim, or ``None`` when there was nothing to do or no next pool exists yet (retried later).
    ``by`` is an allocation admin, or ``None`` for the beat job."""
    if by is not None:
        _require_admin(by)
    # A reclaim of a day passed in (a catch-up of past periods) closes the grant as of that day.
    closed_at = None if today is None else _start_of(today)
    today = today or timezone.localdate()
    with transaction.atomic():
        grant = Grant.objects.select_for_update(of=("self",)).select_related("period", "pool").get(pk=grant_id)
        # Grant first, then its application: the order of every grant change (capacity_services._lock_grant).
        application = (
            Application.objects.select_for_update(of=("self",)).select_related("pi").get(pk=grant.application_id)
        )
        if grant.period.ends_on > today:
            raise ValidationError(_("The period of this grant has not ended yet."))
        if grant.ends_on > today:  # an extension moved the end of the award's last slice past its period
            raise ValidationError(_("This grant was extended and has not ended yet."))
        if UsageReclaim.objects.filter(grant=grant, period=grant.period).exists():
            return None
        if grant.status not in (GrantStatus.ACTIVE, GrantStatus.ACCEPTED):
            return None
        target = next_pool(grant=grant)
        if target is None:
            logger.info("grant %s: no pool in the next period yet; reclaim waits", grant.pk)
            return None
        account = Account.objects.select_for_update().get(pk=grant.account_id)
        unused = max(account.credits_posted - account.debits_posted - account.debits_pending, 0)
        transfer_id = _transfer_id(f"reclaim:{grant.pk}:{grant.period_id}") if unused else None
        if unused:
            results = transfers_create(
                transfers=[
                    TransferSpec(
                        id=transfer_id,
                        debit_account_id=account.pk,
                        credit_account_id=target.account_id,
                        amount=unused,
                        ledger_id=account.ledger_id,
                        code=TransferCode.RECLAIM,
                        user_data=f"reclaim grant {grant.pk} period {grant.period_id}",
                    )
                ],
                by=by,
            )
            if results[0].result is not Result.OK:
                raise ValidationError(_("The ledger refused the reclaim (%(code)s).") % {"code": results[0].result})
        reclaim = UsageReclaim.objects.create(
            grant=grant, period=grant.period, to_pool=target, amount_seconds=unused, transfer_id=transfer_id
        )
        if grant.ends_on <= today:
            capacity_services.grant_close(grant, application, now=closed_at)
        if application.pi is not None:
            queue_templated_email(
                to=[application.pi.email],
                template="allocations/usage/email/reclaim",
                context={
                    "grant": grant,
                    "application": application,
                    "reclaimed_seconds": unused,
                    "url": absolute_url("grant_usage", pk=grant.pk),
                },
            )
    return reclaim


def reclaim_ended_periods(*, today: dt.date | None = None, by: User | None = None) -> int:
    """Beat job: reclaim every active (or accepted) grant of every period that has ended. One transaction per
    grant. Returns how many grants were reclaimed now."""
    if by is not None:
        _require_admin(by)
    done = 0
    for grant_id in selectors.grants_to_reclaim(today=today or timezone.localdate()):
        if grant_reclaim(grant_id=grant_id, today=today, by=by) is not None:
            done += 1
    if done:  # an idle run changes nothing the dashboards show
        enqueue(REFRESH_SUMMARY, trigger="reclaim_ended_periods")
    return done
