"""Awards and their slices: a committed run's awards with one grant per existing period the project overlaps, and
the commitments a newly split period honours before any run sees its pools."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from allocations.capacity.selectors import hours
from allocations.capacity.services._common import _new_account, _post, _transfer_id, gpu_ledger
from allocations.capacity.slices import award_for_slice, award_slices, fit_commitments
from allocations.models import Application
from allocations.models.capacity import AllocationRun, Award, CapacityPeriod, Grant, GrantStatus, Pool, PoolKind
from ledger.engine import TransferSpec
from ledger.models import Account, AccountCode, OwnerKind, TransferCode

LIVE = (GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE)


def slurm_account(application_id: int, reference: str | None) -> str:
    return (reference or f"gap-app-{application_id}").lower()


def award_totals(rows: list, allocations, *, period: CapacityPeriod) -> dict[int, int]:
    """Per application of a run: the award over its project that this period's grant stands for (the whole request
    when the slice was granted in full, else the same fraction of it, never with a larger slice here)."""
    projects = {row[0]: row for row in rows}
    quarter = (period.year, period.quarter)
    totals = {}
    for a in allocations:
        _id, _rank, requested_slice, _minimum, _submitted, total, start, end = projects[a.id]
        covers = (datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
        totals[a.id] = award_for_slice(a.granted, requested_slice, total, *covers, quarter) if a.granted else 0
    return totals


def _slice_grants(award: Award, application: Application, periods: dict, pools: dict, **fields) -> list[Grant]:
    """Unsaved grants for the slices of ``award`` whose period exists and has a pool of the award's kind."""
    grants = []
    for piece in award_slices(award.total_seconds, award.starts_on, award.ends_on):
        period = periods.get((piece.year, piece.quarter))
        pool = pools.get(period.pk) if period else None
        if pool is None or piece.seconds == 0:
            continue
        grants.append(
            Grant(
                application_id=application.pk,
                gigafactory_id=award.gigafactory_id,
                period=period,
                pool=pool,
                award=award,
                granted_seconds=piece.seconds,
                slurm_account=slurm_account(application.pk, application.reference),
                starts_on=piece.starts_on,
                ends_on=piece.ends_on,
                **fields,
            )
        )
    return grants


def _post_grants(grants: list[Grant], *, by: User | None, field: str = "__all__") -> None:
    """Ledger accounts for new grants and one pool -> grant transfer each (no overdraft on the pool)."""
    ledger = gpu_ledger()
    accounts = [
        _new_account(
            code=AccountCode.GRANT,
            owner_kind=OwnerKind.GRANT,
            owner_ref=f"grant:{g.application_id}:{g.period.pk}",
            name=f"{g.slurm_account} {g.period}",
            ledger=ledger,
        )
        for g in grants
    ]
    Account.objects.bulk_create(accounts, batch_size=5000)
    for grant, account in zip(grants, accounts, strict=True):
        grant.account = account
    Grant.objects.bulk_create(grants, batch_size=5000)
    _post(
        [
            TransferSpec(
                id=_transfer_id(f"grant:{g.pk}"),
                debit_account_id=g.pool.account_id,
                credit_account_id=g.account_id,
                amount=g.granted_seconds,
                ledger_id=ledger.pk,
                code=TransferCode.GRANT,
                user_data=f"grant {g.pk} award {g.award_id}",
            )
            for g in grants
        ],
        by=by,
        field=field,
    )


def _periods_and_pools(*, gigafactory_id: int, after: datetime.date, kind: str, owner_id: int):
    periods = {
        (p.year, p.quarter): p
        for p in CapacityPeriod.objects.filter(
            gigafactory_id=gigafactory_id, starts_on__gte=after, entitlements_on__isnull=False
        )
    }
    owner = {"access_mode_id": owner_id} if kind == PoolKind.OPEN_ACCESS else {"partner_id": owner_id}
    pools = {
        p.period_id: p
        for p in Pool.objects.select_related("account").filter(period__in=list(periods.values()), kind=kind, **owner)
    }
    return periods, pools


def awards_from_run(
    *, run: AllocationRun, applications, results, projects: dict, now, respond_by, by: User
) -> list[Award]:
    """Inside the run's commit: one award per granted application, its slices granted in the run's period and in
    every later period already split (commitments honoured now), all offered together until the PI answers."""
    pool = run.pool
    period = pool.period
    by_id = {a.pk: a for a in applications}
    awards = [
        Award(
            application_id=app_id,
            gigafactory_id=period.gigafactory_id,
            kind=PoolKind.OPEN_ACCESS,
            access_mode_id=pool.access_mode_id,
            total_seconds=award_seconds,
            starts_on=datetime.date.fromisoformat(projects[app_id][0]),
            ends_on=datetime.date.fromisoformat(projects[app_id][1]),
            run=run,
            created_by=by,
            created_at=now,
        )
        for app_id, _granted, award_seconds in results
        if award_seconds
    ]
    Award.objects.bulk_create(awards, batch_size=5000)
    periods, pools = _periods_and_pools(
        gigafactory_id=period.gigafactory_id,
        after=period.starts_on,
        kind=PoolKind.OPEN_ACCESS,
        owner_id=pool.access_mode_id,
    )
    pools[period.pk] = pool
    grants = []
    for award in awards:
        for grant in _slice_grants(
            award, by_id[award.application_id], periods, pools, offered_at=now, respond_by=respond_by
        ):
            grant.run = run if grant.period.pk == period.pk else None
            grants.append(grant)
    _post_grants(grants, by=by)
    return awards


def _commitments(period: CapacityPeriod) -> list[tuple[Award, Grant]]:
    """Awards of the period's Gigafactory overlapping it, still live and without a grant in it: one unsaved grant
    each (their slice for the period), with the status and deadline of the award's offer."""
    pools = {
        (p.kind, p.access_mode_id or p.partner_id): p
        for p in Pool.objects.select_related("account").filter(period=period)
    }
    awards = (
        Award.objects.filter(
            gigafactory_id=period.gigafactory_id, starts_on__lt=period.ends_on, ends_on__gt=period.starts_on
        )
        .exclude(slices__period=period)
        .filter(slices__status__in=LIVE)
        .distinct()
        .select_related("application")
        .prefetch_related("slices")
        .order_by("pk")
    )
    pending = []
    for award in awards:
        live = [g for g in award.slices.all() if g.status in LIVE]
        first = min(live, key=lambda g: g.starts_on)
        status = GrantStatus.OFFERED if first.status == GrantStatus.OFFERED else GrantStatus.ACCEPTED
        pool = pools.get((award.kind, award.access_mode_id or award.partner_id))
        fields = {"offered_at": first.offered_at, "respond_by": first.respond_by, "status": status}
        for grant in _slice_grants(
            award,
            award.application,
            {(period.year, period.quarter): period},
            {period.pk: pool} if pool else {},
            **fields,
        ):
            pending.append((award, grant))
    return pending


def commitments_grant(*, period: CapacityPeriod, scale: bool, by: User) -> list[Grant]:
    """Inside the period's split: grant the slices of awards already made before anything else. When the slices
    committed to a pool exceed it (the capacity shrank), refuse with the numbers unless ``scale``: then every slice
    of that pool is scaled down pro rata (largest remainder) to fit exactly."""
    pending = _commitments(period)
    by_pool: dict[int, list[Grant]] = {}
    for _award, grant in pending:
        by_pool.setdefault(grant.pool.pk, []).append(grant)
    scaled_down: dict[int, int] = {}
    for grants in by_pool.values():
        size = grants[0].pool.size_seconds
        fitted = fit_commitments(size, [g.granted_seconds for g in grants], scale=scale)
        if fitted is None:
            raise ValidationError(
                {
                    "commitments": _(
                        "Awards already made commit %(committed)s GPU-h of %(pool)s, which holds only %(size)s GPU-h. "
                        "Scale their slices down pro rata, or keep the period unsplit and change its capacity."
                    )
                    % {
                        "committed": hours(sum(g.granted_seconds for g in grants)),
                        "pool": grants[0].pool.owner_name,
                        "size": hours(size),
                    }
                },
                code="overcommitted",
            )
        for grant, amount in zip(grants, fitted, strict=True):
            if amount < grant.granted_seconds:
                scaled_down[grant.award_id] = scaled_down.get(grant.award_id, 0) + grant.granted_seconds - amount
            grant.granted_seconds = amount
    # The awarded total is the decision and is not changed after the fact; what scaling took from a slice is
    # recorded beside it, so slices + scaled_down_seconds == total_seconds (hours never carry over to other slices).
    for award_id, cut in scaled_down.items():
        Award.objects.filter(pk=award_id).update(scaled_down_seconds=F("scaled_down_seconds") + cut)
    grants = [g for _a, g in pending if g.granted_seconds > 0]
    _post_grants(grants, by=by)
    return grants
