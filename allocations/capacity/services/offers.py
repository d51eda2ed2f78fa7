"""Offers and grants: answered, expired, activated and closed, and the offer emails."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.applications.services import application_transition
from allocations.applications.workflow import Action, transition_for
from allocations.capacity import selectors
from allocations.capacity.services._common import REFRESH_SUMMARY, _post, _transfer_id, gpu_ledger
from allocations.models import Application
from allocations.models.capacity import AllocationRun, Grant, GrantStatus
from allocations.terms.selectors import pending_versions
from allocations.terms.services import TermsNotAccepted
from ledger.engine import TransferSpec
from ledger.models import TransferCode
from portal.emails import queue_templated_email
from portal.links import absolute_url
from portal.outbox import enqueue
from portal.text import inline_label

# --- offers and grants --------------------------------------------------------------------------------------------


def _return_to_pool(grant: Grant, *, why: str, by: User | None) -> None:
    _post(
        [
            TransferSpec(
                id=_transfer_id(f"grant-return:{grant.pk}"),
                debit_account_id=grant.account_id,
                credit_account_id=grant.pool.account_id,
                amount=grant.granted_seconds,
                ledger_id=gpu_ledger().pk,
                code=TransferCode.REVERSAL,
                user_data=f"grant {grant.pk} {why}",
            )
        ],
        by=by,
    )


def _lock_grant(grant_id: int) -> tuple[Grant, Application]:
    grant = Grant.objects.select_for_update(of=("self",)).select_related("pool").get(pk=grant_id)
    application = Application.objects.select_for_update().get(pk=grant.application_id)
    return grant, application


def offer_respond(*, grant_id: int, accept: bool, by: User, now=None) -> Grant:
    """The PI accepts or declines an offer before its deadline. Declined hours go back to the pool (a reversal
    transfer). An accepted grant whose period has started becomes active at once. Accepting needs the PI's
    acceptance of the current terms of access and of the Gigafactory's acceptable-use policy (``TermsNotAccepted``
    names the versions missing); declining does not."""
    now = now or timezone.now()
    with transaction.atomic():
        grant, application = _lock_grant(grant_id)
        # The workflow table says who may answer (the PI); a refusal below rolls the transition back.
        action = Action.ACCEPT if accept else Action.DECLINE
        application = application_transition(application_id=application.pk, action=action, by=by, now=now)
        if grant.status != GrantStatus.OFFERED:
            raise ValidationError(
                _("This offer is %(status)s and can no longer be answered.")
                % {"status": inline_label(GrantStatus(grant.status).label)}
            )
        if now >= grant.respond_by:
            raise ValidationError(_("The deadline to answer this offer has passed."))
        if accept and (missing := pending_versions(user=by, gigafactory_ids=[grant.gigafactory_id])):
            raise TermsNotAccepted(missing)
        # The answer covers the whole award: every slice still on offer follows it.
        slices = [grant]
        if grant.award_id:
            slices += list(
                Grant.objects.select_for_update(of=("self",))
                .select_related("pool")
                .filter(award_id=grant.award_id, status=GrantStatus.OFFERED)
                .exclude(pk=grant.pk)
                .order_by("starts_on")
            )
        for piece in slices:
            piece.status = GrantStatus.ACCEPTED if accept else GrantStatus.DECLINED
            piece.responded_at, piece.responded_by = now, by
            piece.save(update_fields=["status", "responded_at", "responded_by"])
            if not accept:
                _return_to_pool(piece, why="declined", by=by)
            elif piece.starts_on <= timezone.localdate(now):
                _activate(piece, application, now=now)
        enqueue(REFRESH_SUMMARY, trigger="offer_respond")  # the grant's status is part of the summary
    return grant


def _activate(grant: Grant, application: Application, *, now) -> None:
    application.refresh_from_db(fields=["status"])
    if transition_for(application.status, Action.ACTIVATE) is not None:  # a later slice of an active award
        application_transition(application_id=application.pk, action=Action.ACTIVATE, by=None, now=now)
    grant.status = GrantStatus.ACTIVE
    grant.save(update_fields=["status"])


def grant_close(grant: Grant, application: Application, *, now=None) -> None:
    """Close a grant whose period has ended, and its application with it when no other grant of the application is
    still offered, accepted or active (an application may hold grants of several periods). The caller runs in a
    transaction holding both rows' locks, taken grant first, as :func:`_lock_grant` takes them."""
    grant.status = GrantStatus.CLOSED
    grant.save(update_fields=["status"])
    if transition_for(application.status, Action.CLOSE) is None:
        return
    live = (GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE)
    if Grant.objects.filter(application_id=application.pk, status__in=live).exists():
        return
    application_transition(application_id=application.pk, action=Action.CLOSE, by=None, now=now)


def offers_expire(*, now=None) -> int:
    """Beat job: offers not answered by their deadline expire; their hours go back to the pool. One transaction
    per offer, each re-checked under its lock, so a late answer and the job never both win. Returns how many."""
    now = now or timezone.now()
    expired = 0
    for grant_id in list(selectors.offers_past_deadline(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            grant, application = _lock_grant(grant_id)
            if grant.status != GrantStatus.OFFERED or grant.respond_by > now:
                continue
            if transition_for(application.status, Action.EXPIRE) is not None:  # else another slice expired it
                application_transition(
                    application_id=application.pk,
                    action=Action.EXPIRE,
                    by=None,
                    comment="offer not answered by the deadline",
                    now=now,
                )
            grant.status = GrantStatus.EXPIRED
            grant.save(update_fields=["status"])
            _return_to_pool(grant, why="expired", by=None)
            expired += 1
    if expired:  # an idle run changes nothing the dashboards show
        enqueue(REFRESH_SUMMARY, trigger="expire_offers")
    return expired


def grants_activate(*, now=None) -> int:
    """Beat job: accepted grants whose period has started become active. Returns how many."""
    now = now or timezone.now()
    activated = 0
    for grant_id in list(selectors.grants_starting(today=timezone.localdate(now)).values_list("pk", flat=True)):
        with transaction.atomic():
            grant, application = _lock_grant(grant_id)
            if grant.status != GrantStatus.ACCEPTED:
                continue
            _activate(grant, application, now=now)
            activated += 1
    if activated:
        enqueue(REFRESH_SUMMARY, trigger="activate_grants")
    return activated


def offer_emails_send(*, run_id: int) -> int:
    """Queue one offer email per grant of a committed run to its PI (the worker calls this after the commit)."""
    sent = 0
    for grant in selectors.grants_of_run(run=AllocationRun(pk=run_id)).filter(status=GrantStatus.OFFERED):
        pi = grant.application.pi
        if pi is None:
            continue
        queue_templated_email(
            to=[pi.email],
            template="allocations/grants/email/offer",
            context={
                "grant": grant,
                "application": grant.application,
                "url": absolute_url("grant_detail", pk=grant.pk),
            },
        )
        sent += 1
    return sent
