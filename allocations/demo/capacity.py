"""Capacity, allocation and offers of the demo through the capacity services: each quarter's periods split into
pools, a run per open-access pool committed into offers, the PIs' answers, activation and reclaims."""

import random

from accounts.models import User
from allocations.applications.workflow import Status
from allocations.capacity import services
from allocations.capacity.selectors import pool_balance
from allocations.demo.timeline import SPLIT, Quarter
from allocations.models import AccessMode, Application, Gigafactory
from allocations.models.capacity import AllocationRun, CapacityPeriod, Grant, GrantStatus, Pool, PoolKind, RunStatus
from allocations.usage import services as usage_services
from portal.units import whole_gpu_hours

# Accelerators installed per Gigafactory, quarter by quarter (the oldest demo quarter first, then the current and
# the next one): the sites ramp up, so early rounds compete for little capacity. 0: not in service yet.
RAMP_UP = {
    "aurora-nord": [1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288],
    "rheinland": [512, 1024, 1536, 2048, 3072, 4096, 6144, 8192],
    "iberia": [0, 0, 0, 0, 512, 1024, 2048, 3072],
    "mediterranean": [0, 0, 0, 0, 0, 0, 0, 0],
}
# Open-access shares of each period in basis points; the partners share the other half by what they paid in.
OPEN_SHARES = {"playground": 300, "fast-lane": 1500, "large-scale": 3200}


def in_service(index: int) -> list[Gigafactory]:
    """The Gigafactories with accelerators in the quarter of this index (0 = the oldest demo quarter)."""
    slugs = [slug for slug, ramp in RAMP_UP.items() if ramp[index]]
    return list(Gigafactory.objects.filter(slug__in=slugs).order_by("pk"))


def periods(*, quarter: Quarter, index: int, by: User, entitlements_on=None) -> list[CapacityPeriod]:
    """Create and split the quarter's period of every Gigafactory in service, its partner pools by what the
    partners had paid in three weeks before the quarter (or on ``entitlements_on``)."""
    modes = {m.code: m.pk for m in AccessMode.objects.filter(code__in=OPEN_SHARES)}
    shares = {modes[code]: bp for code, bp in OPEN_SHARES.items()}
    created = []
    for gigafactory in in_service(index):
        period = services.period_create(
            gigafactory=gigafactory,
            year=quarter.year,
            quarter=quarter.number,
            reserve_percent=5,
            accelerators=RAMP_UP[gigafactory.slug][index],
            by=by,
        )
        services.period_split(
            period_id=period.pk,
            open_shares_bp=shares,
            entitlements_on=entitlements_on or quarter.at(SPLIT).date(),
            by=by,
            scale_commitments=True,
        )
        created.append(period)
    return created


def open_pools(quarter: Quarter, code: str) -> list[Pool]:
    return list(
        Pool.objects.filter(
            period__year=quarter.year,
            period__quarter=quarter.number,
            kind=PoolKind.OPEN_ACCESS,
            access_mode__code=code,
        ).select_related("period")
    )


def run(pool: Pool, *, by: User, now=None, commit: bool = True) -> AllocationRun:
    """Queue a run, compute it as the worker would, and commit it at ``now`` (when there is something to offer)."""
    queued = services.run_create(pool=pool, policy="rank_greedy", by=by)
    services.run_execute(run_id=queued.pk)
    computed = AllocationRun.objects.get(pk=queued.pk)
    if not commit or computed.status != RunStatus.SUCCEEDED:
        return computed
    if not computed.granted_seconds:
        return services.run_discard(run_id=computed.pk, by=by)
    return services.run_commit(run_id=computed.pk, by=by, now=now)


def answer_offers(
    runs: list[AllocationRun], *, rng: random.Random, now, declines: int = 1, keep: int = 0, skip_email: str = ""
) -> list:
    """The PIs answer the offers of ``runs`` at ``now``: ``declines`` decline, ``keep`` (and the PI ``skip_email``)
    leave them open (to expire or still to answer), everybody else accepts. Returns the offers left open."""
    offers = list(
        Grant.objects.filter(run__in=runs, status=GrantStatus.OFFERED).select_related("application__pi").order_by("pk")
    )
    rng.shuffle(offers)
    skipped = [g for g in offers if g.application.pi.email == skip_email]
    offers = [g for g in offers if g not in skipped]
    left = offers[:keep] + skipped
    for n, grant in enumerate(offers[keep:]):
        services.offer_respond(grant_id=grant.pk, accept=n >= declines, by=grant.application.pi, now=now)
    return left


def sponsor(calls, *, by: User, now, answered) -> int:
    """The partner contact ``by`` awards hours from their partner's pool to the panel-waitlisted applications of
    ``calls`` (in the pool of the Gigafactory each prefers); the PIs accept at ``answered``. Returns how many."""
    awarded = 0
    for application in Application.objects.filter(call__in=calls, status=Status.WAITLISTED).select_related("pi"):
        pool = (
            Pool.objects.filter(
                kind=PoolKind.PARTNER,
                partner__contact_users=by,
                period__gigafactory_id=application.preferred_gigafactory_id,
                period__starts_on=application.start_month,
            )
            .select_related("account")
            .first()
        )
        free = whole_gpu_hours(pool_balance(pool.account)) if pool else 0
        hours = min(application.requested_gpu_hours, free)
        if hours < (application.minimum_gpu_hours or 1):
            continue  # the partner's pool is too small this quarter
        award = services.award_direct(
            pool_id=pool.pk,
            application_id=application.pk,
            hours=hours,
            justification="Sponsored by our infrastructure fund: open weights for Nordic and Baltic industry.",
            by=by,
            now=now,
        )
        first = Grant.objects.filter(award=award).order_by("starts_on").first()
        services.offer_respond(grant_id=first.pk, accept=True, by=application.pi, now=answered)
        awarded += 1
    return awarded


def expire(*, now) -> int:
    return services.offers_expire(now=now)


def activate(quarter: Quarter) -> int:
    return services.grants_activate(now=quarter.at(0, 6))


def reclaim(quarter: Quarter, *, by: User) -> int:
    """Reclaim the unused hours of every grant whose period ended by the first day of ``quarter``."""
    return usage_services.reclaim_ended_periods(today=quarter.start, by=by)
