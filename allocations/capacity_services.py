"""Writes for capacity, pools, allocation runs, offers and grants.

Every function takes keyword arguments and the acting user ``by`` (``None`` for the portal's scheduled jobs),
checks permission and input, runs in one transaction and raises ``ValidationError`` (a form error / API 400) or
``PermissionDenied``. GPU-seconds move in the ledger with ids derived from what they record, so a retry moves
nothing twice; the pool accounts may never be overdrawn (the ledger refuses it). Emails leave after commit.

Concurrency: everything that reads or changes what a pool can give (running a run, committing one) first takes the
PostgreSQL advisory transaction lock of that pool, so two runs of one pool never overlap and two commits serialise;
a commit re-checks that its inputs did not change (hash) before it grants anything.
"""

import logging
import os
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from allocations import capacity_selectors as selectors
from allocations import selectors as application_selectors
from allocations.capacity import period_capacity, quarter_bounds, split_pools
from allocations.capacity_models import (
    AllocationResult,
    AllocationRun,
    CapacityPeriod,
    Grant,
    GrantStatus,
    Outcome,
    Pool,
    PoolKind,
    RunStatus,
)
from allocations.models import AccessMode, Application, ApplicationEvent, Gigafactory
from allocations.services import TransitionRefused
from allocations.solver import Policy, Request, allocate
from allocations.workflow import Action, Role, Status, transition_for
from ledger.engine import Result, TransferSpec
from ledger.models import Account, AccountCode, Ledger, LedgerUnit, OwnerKind, TransferCode
from ledger.services import MAX_BATCH, transfers_create
from portal.text import inline_label

logger = logging.getLogger(__name__)

OFFER_DAYS = 14
# Ledger transfer ids of this module are derived from what they record, in their own namespace.
NAMESPACE = uuid.UUID("1d0c6a43-5d8e-4d53-8f1e-63a2b0c7e9a1")
# First key of the two-key advisory lock on a pool ("GAP1"); the second key is the pool's id.
POOL_LOCK_CLASS = 0x47415031
# Test hook: seconds a run pauses between computing and storing its result (only when PORTAL_TESTING is set).
PAUSE_ENV = "ALLOCATION_RUN_PAUSE_SECONDS"


def _require_admin(user: User | None) -> None:
    if user is None or not selectors.is_allocation_admin(user):
        raise PermissionDenied(_("Only allocation admins can do this."))


def lock_pool(pool_id: int) -> None:
    """Take the pool's advisory lock until the end of the current transaction (waits for the holder)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [POOL_LOCK_CLASS, pool_id])


def _transfer_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


def _post(specs: list[TransferSpec], *, by: User | None, field: str = "__all__") -> None:
    """Apply transfers in batches inside the caller's transaction; any refusal raises and rolls everything back."""
    for start in range(0, len(specs), MAX_BATCH):
        for outcome in transfers_create(transfers=specs[start : start + MAX_BATCH], by=by):
            if outcome.result not in (Result.OK, Result.EXISTS):
                raise ValidationError(
                    {field: _("The ledger refused the transfer (%(code)s).") % {"code": outcome.result.value}}
                )


# --- the GPU-second ledger ----------------------------------------------------------------------------------------


def gpu_ledger() -> Ledger:
    ledger, _created = Ledger.objects.get_or_create(
        code=Ledger.GPU, defaults={"name": "GPU-seconds", "unit": LedgerUnit.GPU_SECOND}
    )
    return ledger


def _operator_account(gigafactory: Gigafactory) -> Account:
    """Where a Gigafactory's compute comes from: its debit balance is all the capacity it has provided."""
    account, _created = Account.objects.get_or_create(
        ledger=gpu_ledger(),
        code=AccountCode.OPERATOR,
        partner=None,
        tranche=None,
        owner_ref=f"gigafactory:{gigafactory.pk}",
        defaults={"owner_kind": OwnerKind.SYSTEM, "name": f"{gigafactory.name}: compute provided"},
    )
    return account


def _new_account(*, code: str, owner_kind: str, owner_ref: str, name: str, ledger: Ledger) -> Account:
    # "No overdraft": nothing leaves a capacity, pool or grant account beyond what came in.
    return Account(
        ledger=ledger,
        code=code,
        owner_kind=owner_kind,
        owner_ref=owner_ref,
        name=name[:200],
        debits_must_not_exceed_credits=True,
    )


# --- capacity periods and pools -----------------------------------------------------------------------------------


def period_create(
    *,
    gigafactory: Gigafactory,
    year: int,
    quarter: int,
    reserve_percent: int,
    accelerators: int | None = None,
    availability_percent: int | None = None,
    by: User,
) -> CapacityPeriod:
    """An allocation admin sets a Gigafactory's capacity for a quarter; its net capacity is posted from the
    Gigafactory's operator account to the period's capacity account. One period per Gigafactory and quarter."""
    _require_admin(by)
    accelerators = gigafactory.accelerator_count if accelerators is None else accelerators
    availability = gigafactory.availability_percent if availability_percent is None else availability_percent
    errors = {}
    if not 1 <= quarter <= 4:
        errors["quarter"] = _("Choose a quarter from 1 to 4.")
    if not 2024 <= year <= 2100:
        errors["year"] = _("Enter a year from 2024 to 2100.")
    if not 0 < availability <= 100:
        errors["availability_percent"] = _("Enter an availability above 0 and at most 100 %.")
    if not 0 <= reserve_percent < 100:
        errors["reserve_percent"] = _("Enter a reserve from 0 to 99 %.")
    if accelerators <= 0:
        errors["accelerators"] = _("Enter a number of accelerators above zero.")
    if errors:
        raise ValidationError(errors)
    start, end = quarter_bounds(year, quarter)
    capacity = period_capacity(
        accelerators=accelerators,
        start=start,
        end=end,
        availability_percent=availability,
        reserve_percent=reserve_percent,
    )
    with transaction.atomic():
        if CapacityPeriod.objects.filter(gigafactory=gigafactory, year=year, quarter=quarter).exists():
            raise ValidationError(
                {
                    "quarter": _("%(gf)s already has a capacity period for %(y)s Q%(q)s.")
                    % {"gf": gigafactory, "y": year, "q": quarter}
                }
            )
        ledger = gpu_ledger()
        source = _operator_account(gigafactory)
        account = _new_account(
            code=AccountCode.CAPACITY,
            owner_kind=OwnerKind.SYSTEM,
            owner_ref=f"capacity:{gigafactory.pk}:{year}Q{quarter}",
            name=f"{gigafactory.name} {year} Q{quarter}: capacity",
            ledger=ledger,
        )
        account.save()
        period = CapacityPeriod.objects.create(
            gigafactory=gigafactory,
            year=year,
            quarter=quarter,
            starts_on=start,
            ends_on=end,
            accelerators=accelerators,
            availability_percent=availability,
            reserve_percent=reserve_percent,
            gross_seconds=capacity.gross,
            reserve_seconds=capacity.reserve,
            capacity_seconds=capacity.net,
            account=account,
            created_by=by,
        )
        if capacity.net:
            _post(
                [
                    TransferSpec(
                        id=_transfer_id(f"capacity:{period.pk}"),
                        debit_account_id=source.pk,
                        credit_account_id=account.pk,
                        amount=capacity.net,
                        ledger_id=ledger.pk,
                        code=TransferCode.CAPACITY,
                        user_data=f"capacity period {period.pk}",
                    )
                ],
                by=by,
            )
    return period


def period_split(*, period_id: int, open_shares_bp: dict[int, int], entitlements_on, by: User) -> list[Pool]:
    """Split a period's capacity into pools, once: each access mode's open-access pool gets the basis points the
    admin sets; partner pools share the rest by the partners' paid-in contributions at the end of
    ``entitlements_on``. Largest remainder, so the pools sum exactly to the capacity; one ledger transfer per pool
    from the capacity account, all in one linked chain. Pools of zero size are not created."""
    _require_admin(by)
    open_shares_bp = {int(k): int(v) for k, v in open_shares_bp.items()}
    if any(v < 0 for v in open_shares_bp.values()):
        raise ValidationError({"open_shares": _("Shares cannot be negative.")})
    if sum(open_shares_bp.values()) > 10_000:
        raise ValidationError({"open_shares": _("The open-access shares add up to more than 100 %.")})
    if entitlements_on > timezone.localdate():
        raise ValidationError({"entitlements_on": _("Choose a date that is not in the future.")})
    modes = AccessMode.objects.in_bulk(list(open_shares_bp))
    if len(modes) != len(open_shares_bp):
        raise ValidationError({"open_shares": _("Unknown access mode.")})
    with transaction.atomic():
        period = CapacityPeriod.objects.select_for_update().get(pk=period_id)
        if period.is_split:
            raise ValidationError(_("The capacity of %(period)s is already split into pools.") % {"period": period})
        paid_in = selectors.paid_in_as_of(day=entitlements_on)
        try:
            open_parts, partner_parts = split_pools(period.capacity_seconds, open_shares_bp, paid_in)
        except ValueError:
            raise ValidationError(
                {"open_shares": _("No partner had paid in anything by that date: give the open-access pools 100 %.")}
            )
        total_paid = sum(paid_in.values())
        ledger = gpu_ledger()
        partners = selectors.partners_by_id(partner_parts)
        pools: list[Pool] = []
        for mode_id, size in open_parts.items():
            if size:
                pools.append(
                    Pool(
                        period=period,
                        kind=PoolKind.OPEN_ACCESS,
                        access_mode=modes[mode_id],
                        share_bp=open_shares_bp[mode_id],
                        size_seconds=size,
                    )
                )
        open_bp = sum(open_shares_bp.values())
        for partner_id, size in partner_parts.items():
            if size:
                share = (10_000 - open_bp) * paid_in[partner_id] // total_paid
                pools.append(
                    Pool(
                        period=period,
                        kind=PoolKind.PARTNER,
                        partner=partners[partner_id],
                        share_bp=share,
                        size_seconds=size,
                    )
                )
        accounts = [
            _new_account(
                code=AccountCode.POOL,
                owner_kind=OwnerKind.POOL,
                owner_ref=f"pool:{period.pk}:{pool.kind}:{pool.access_mode_id or pool.partner_id}",
                name=f"{period}: {pool.owner_name}",
                ledger=ledger,
            )
            for pool in pools
        ]
        Account.objects.bulk_create(accounts)
        for pool, account in zip(pools, accounts, strict=True):
            pool.account = account
        Pool.objects.bulk_create(pools)
        specs = [
            TransferSpec(
                id=_transfer_id(f"pool:{pool.pk}"),
                debit_account_id=period.account_id,
                credit_account_id=pool.account_id,
                amount=pool.size_seconds,
                ledger_id=ledger.pk,
                code=TransferCode.POOL,
                linked=index < len(pools) - 1,
                user_data=f"pool {pool.pk}",
            )
            for index, pool in enumerate(pools)
        ]
        _post(specs, by=by)
        period.entitlements_on = entitlements_on
        period.save(update_fields=["entitlements_on"])
    return pools


# --- allocation runs ----------------------------------------------------------------------------------------------


def run_create(*, pool: Pool, policy: str, by: User) -> AllocationRun:
    """Queue a what-if run of an open-access pool; the Celery task computes it after commit."""
    _require_admin(by)
    if policy not in {p.value for p in Policy}:
        raise ValidationError({"policy": _("Choose a policy.")})
    if pool.kind != PoolKind.OPEN_ACCESS:
        raise ValidationError(
            {"pool": _("Runs allocate open-access pools; partner pools are shared out by their partner.")}
        )
    from allocations.capacity_tasks import execute_allocation_run

    with transaction.atomic():
        run = AllocationRun.objects.create(pool=pool, policy=policy, created_by=by)
        transaction.on_commit(lambda: execute_allocation_run.delay(run.pk))
    return run


def _pause_for_tests() -> None:
    if settings.TESTING and os.environ.get(PAUSE_ENV):
        time.sleep(float(os.environ[PAUSE_ENV]))


def run_execute(*, run_id: int) -> str:
    """Compute a queued run (the Celery task). Idempotent: a run already computed, committed or discarded is left
    alone, so a duplicate or redelivered task changes nothing; a run left "running" by a worker that died is
    computed again from scratch (its first attempt's transaction was rolled back with the connection).

    The computation holds the pool's advisory lock, so two runs of one pool never overlap. Returns the status.
    """
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return run.status
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "attempts"])
    try:
        with transaction.atomic():
            lock_pool(run.pool_id)
            run = AllocationRun.objects.select_for_update().select_related("pool").get(pk=run_id)
            if run.status != RunStatus.RUNNING:
                return run.status  # a concurrent delivery finished it while we waited for the lock
            run.locked_at = timezone.now()
            snapshot, digest = selectors.inputs_snapshot(pool=run.pool)
            requests = [
                Request(id=i, rank=r, requested=q, minimum=m, submitted=s) for i, r, q, m, s in snapshot["requests"]
            ]
            result = allocate(requests, snapshot["balance"], run.policy)
            _pause_for_tests()
            ranks = {row[0]: row[1] for row in snapshot["requests"]}
            AllocationResult.objects.bulk_create(
                (
                    AllocationResult(
                        run=run,
                        application_id=a.id,
                        position=a.position,
                        rank=ranks[a.id],
                        requested_seconds=a.requested,
                        minimum_seconds=a.minimum,
                        granted_seconds=a.granted,
                        outcome=Outcome.WAITLISTED
                        if a.waitlisted
                        else (Outcome.PARTIAL if a.partial else Outcome.FULL),
                        reason=a.reason.value,
                        available_seconds=a.available,
                        share_bp=a.share_bp,
                    )
                    for a in result.allocations
                ),
                batch_size=5000,
            )
            run.inputs, run.inputs_hash = snapshot, digest
            run.capacity_seconds = result.capacity
            run.granted_seconds = result.total_granted
            run.status = RunStatus.SUCCEEDED
            run.finished_at = timezone.now()
            run.save()
            return run.status
    except Exception as exc:  # a bug or bad data: record it on the run, never leave it "running" forever
        logger.exception("allocation run %s failed", run_id)
        AllocationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return RunStatus.FAILED


def _decided(run: AllocationRun, by: User) -> None:
    if run.status == RunStatus.COMMITTED:
        raise ValidationError(_("This run was already committed."))
    if run.status == RunStatus.DISCARDED:
        raise ValidationError(_("This run was discarded."))
    if run.status != RunStatus.SUCCEEDED:
        raise ValidationError(
            _("This run has no result to decide on yet (it is %(status)s).")
            % {"status": inline_label(RunStatus(run.status).label)}
        )


def _apply_transitions(
    applications: list[Application],
    *,
    action: Action,
    roles_of: Callable[[Application], frozenset[Role]],
    by: User | None,
    comment: str = "",
    now=None,
) -> None:
    """Apply one action of the workflow table to locked applications, with one append-only event each."""
    now = now or timezone.now()
    events = []
    by_target: dict[Status, list[int]] = {}
    for application in applications:
        rule = transition_for(application.status, action)
        if rule is None:
            raise TransitionRefused(
                _("You cannot %(action)s an application that is %(status)s.")
                % {"action": Action(action).label, "status": inline_label(Status(application.status).label)},
                code="transition",
            )
        if not roles_of(application) & rule.who:
            raise PermissionDenied(
                _("Only %(roles)s may %(action)s this application.")
                % {
                    "roles": _(" or ").join(inline_label(Role(r).label) for r in sorted(rule.who)),
                    "action": Action(action).label,
                }
            )
        events.append(
            ApplicationEvent(
                application=application,
                actor=by,
                action=action,
                from_status=application.status,
                to_status=rule.to,
                comment=comment,
            )
        )
        by_target.setdefault(rule.to, []).append(application.pk)
        application.status = rule.to
    for status, ids in by_target.items():
        Application.objects.filter(pk__in=ids).update(status=status, updated_at=now)
    ApplicationEvent.objects.bulk_create(events, batch_size=5000)


def _slurm_account(application_id: int, reference: str | None) -> str:
    return (reference or f"gap-app-{application_id}").lower()


def run_commit(*, run_id: int, by: User, now=None, offer_days: int = OFFER_DAYS) -> AllocationRun:
    """Turn a computed run into offers, in one transaction: re-check that the pool balance and the candidate
    applications did not change since the run (else refuse: run the pool again), create one grant per granted
    application with its ledger account and a pool -> grant transfer, move the applications to "offered" and queue
    the offer emails after commit. Serialised with runs and other commits of the pool by its advisory lock;
    the ledger's no-overdraft flag on the pool account is the last guard."""
    _require_admin(by)
    now = now or timezone.now()
    pool_id = AllocationRun.objects.filter(pk=run_id).values_list("pool_id", flat=True).first()
    if pool_id is None:
        raise AllocationRun.DoesNotExist
    with transaction.atomic():
        # The pool lock first, then the run's row: the same order as run_execute, so the two never deadlock.
        lock_pool(pool_id)
        run = AllocationRun.objects.select_for_update(of=("self",)).select_related("pool__period").get(pk=run_id)
        _decided(run, by)
        pool = run.pool
        period = pool.period
        _snapshot, digest = selectors.inputs_snapshot(pool=pool)
        if digest != run.inputs_hash:
            raise ValidationError(
                _(
                    "The pool or its approved applications changed since this run was computed (another run was "
                    "committed, an offer was declined or an application was approved). Discard it and run the pool "
                    "again."
                ),
                code="stale",
            )
        granted = dict(
            AllocationResult.objects.filter(run=run, granted_seconds__gt=0).values_list(
                "application_id", "granted_seconds"
            )
        )
        applications = list(
            Application.objects.select_for_update()
            .filter(pk__in=list(granted))
            .order_by("pk")
            .only("pk", "status", "reference")
        )
        admin_roles = frozenset({Role.ALLOCATION_ADMIN})
        _apply_transitions(applications, action=Action.OFFER, roles_of=lambda _a: admin_roles, by=by, now=now)
        ledger = gpu_ledger()
        accounts = [
            _new_account(
                code=AccountCode.GRANT,
                owner_kind=OwnerKind.GRANT,
                owner_ref=f"grant:{a.pk}:{period.pk}",
                name=f"{_slurm_account(a.pk, a.reference)} {period}",
                ledger=ledger,
            )
            for a in applications
        ]
        Account.objects.bulk_create(accounts, batch_size=5000)
        respond_by = now + timezone.timedelta(days=offer_days)
        grants = [
            Grant(
                application_id=a.pk,
                gigafactory_id=period.gigafactory_id,
                period=period,
                pool=pool,
                run=run,
                granted_seconds=granted[a.pk],
                slurm_account=_slurm_account(a.pk, a.reference),
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                offered_at=now,
                respond_by=respond_by,
                account=account,
            )
            for a, account in zip(applications, accounts, strict=True)
        ]
        Grant.objects.bulk_create(grants, batch_size=5000)
        _post(
            [
                TransferSpec(
                    id=_transfer_id(f"grant:{grant.pk}"),
                    debit_account_id=pool.account_id,
                    credit_account_id=grant.account_id,
                    amount=grant.granted_seconds,
                    ledger_id=ledger.pk,
                    code=TransferCode.GRANT,
                    user_data=f"grant {grant.pk} run {run.pk}",
                )
                for grant in grants
            ],
            by=by,
        )
        run.status = RunStatus.COMMITTED
        run.decided_by, run.decided_at = by, now
        run.save(update_fields=["status", "decided_by", "decided_at"])
        from allocations.capacity_tasks import send_offer_emails

        transaction.on_commit(lambda: send_offer_emails.delay(run.pk))
    return run


def run_discard(*, run_id: int, by: User) -> AllocationRun:
    """Set a computed (or failed) run aside; it grants nothing."""
    _require_admin(by)
    with transaction.atomic():
        run = AllocationRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.FAILED:
            _decided(run, by)
        run.status = RunStatus.DISCARDED
        run.decided_by, run.decided_at = by, timezone.now()
        run.save(update_fields=["status", "decided_by", "decided_at"])
    return run


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
    transfer). An accepted grant whose period has started becomes active at once."""
    now = now or timezone.now()
    with transaction.atomic():
        grant, application = _lock_grant(grant_id)
        roles = application_selectors.roles_of(user=by, application=application)
        if not roles & {Role.PI, Role.ORG_OWNER, Role.ORG_MEMBER}:
            raise PermissionDenied(_("Only the principal investigator can answer this offer."))
        if grant.status != GrantStatus.OFFERED:
            raise ValidationError(
                _("This offer is %(status)s and can no longer be answered.")
                % {"status": inline_label(GrantStatus(grant.status).label)}
            )
        if now >= grant.respond_by:
            raise ValidationError(_("The deadline to answer this offer has passed."))
        action = Action.ACCEPT if accept else Action.DECLINE
        _apply_transitions([application], action=action, roles_of=lambda _a: roles, by=by, now=now)
        grant.status = GrantStatus.ACCEPTED if accept else GrantStatus.DECLINED
        grant.responded_at, grant.responded_by = now, by
        grant.save(update_fields=["status", "responded_at", "responded_by"])
        if not accept:
            _return_to_pool(grant, why="declined", by=by)
        elif grant.starts_on <= timezone.localdate(now):
            _activate(grant, application, now=now)
    return grant


def _activate(grant: Grant, application: Application, *, now) -> None:
    portal = frozenset({Role.PORTAL})
    _apply_transitions([application], action=Action.ACTIVATE, roles_of=lambda _a: portal, by=None, now=now)
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
    portal = frozenset({Role.PORTAL})
    _apply_transitions([application], action=Action.CLOSE, roles_of=lambda _a: portal, by=None, now=now)


def offers_expire(*, now=None) -> int:
    """Beat job: offers not answered by their deadline expire; their hours go back to the pool. One transaction
    per offer, each re-checked under its lock, so a late answer and the job never both win. Returns how many."""
    now = now or timezone.now()
    expired = 0
    portal = frozenset({Role.PORTAL})
    for grant_id in list(selectors.offers_past_deadline(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            grant, application = _lock_grant(grant_id)
            if grant.status != GrantStatus.OFFERED or grant.respond_by > now:
                continue
            _apply_transitions(
                [application],
                action=Action.EXPIRE,
                roles_of=lambda _a: portal,
                by=None,
                comment="offer not answered by the deadline",
                now=now,
            )
            grant.status = GrantStatus.EXPIRED
            grant.save(update_fields=["status"])
            _return_to_pool(grant, why="expired", by=None)
            expired += 1
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
    return activated


def offer_emails_send(*, run_id: int) -> int:
    """Queue one offer email per grant of a committed run to its PI (the worker calls this after the commit)."""
    from portal.emails import queue_templated_email

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
                "hours": selectors.hours(grant.granted_seconds),
                "url": settings.SITE_URL.rstrip("/") + reverse("grant_detail", kwargs={"pk": grant.pk}),
            },
        )
        sent += 1
    return sent
