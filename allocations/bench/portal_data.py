"""A portal-sized data set for benchmarks and the dashboards' "large fixture", written in bulk.

``seed(scale)`` writes, with ``bulk_create`` and PostgreSQL ``COPY`` (minutes, not hours, at full size): calls with
cut-offs, organisations, applications across the life cycle with their decision events, capacity periods and pools,
grants with their ledger accounts, daily usage rows, reclaims, review assignments and EUR ledger transfers (through
``ledger.services.transfers_create``, the one write path of the journal).
"""

import datetime
import random
import uuid

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationType, User
from allocations.applications.workflow import Action, Status
from allocations.bench.portal_steps import (
    FULL,
    Scale,
    _eur_payments,
    _explicit_timestamps,
    _review_assignments,
    _usage_and_reclaims,
)
from allocations.capacity.services import gpu_ledger
from allocations.dashboards.services import usage_summary_refresh
from allocations.models import AccessMode, AIDomain, Application, ApplicationEvent, Call, CallCutoff, Gigafactory
from allocations.models.capacity import AllocationRun, CapacityPeriod, Grant, GrantStatus, Pool, PoolKind, RunStatus
from ledger.models import Account, AccountCode, OwnerKind, Partner
from portal.units import SECONDS_PER_HOUR


def seed(scale: Scale = FULL, *, seed_value: int = 8, today: datetime.date | None = None) -> dict:
    """Write a data set of ``scale`` and rebuild the usage summary. Returns what it wrote (counts)."""

    rng = random.Random(seed_value)  # noqa: S311 - benchmark data, not security
    today = today or timezone.localdate()
    tag = uuid.uuid4().hex[:6]
    counts: dict[str, int] = {}

    with transaction.atomic():
        admin = User.objects.create_user(email=f"bench-admin-{tag}@example.eu", full_name="Bench Admin")
        applicant = User.objects.create_user(email=f"bench-applicant-{tag}@example.eu", full_name="Bench Applicant")
        modes = list(AccessMode.objects.order_by("position"))
        gigafactories = [
            Gigafactory.objects.get_or_create(
                slug=f"bench-gf-{i}",
                defaults={
                    "name": f"Bench Gigafactory {i}",
                    "host_country": c,
                    "accelerator_model": "H200",
                    "accelerator_count": 100_000,
                },
            )[0]
            for i, c in enumerate(["DE", "FR", "IT", "ES"], start=1)
        ]
        # Calls, two cut-offs each, in the last year.
        calls = Call.objects.bulk_create(
            Call(
                title=f"Bench call {i} {tag}",
                slug=f"bench-{tag}-{i}",
                access_mode=modes[i % len(modes)],
                opens_at=timezone.now() - datetime.timedelta(days=400),
                status="published",
                awards_confidential=(i % 10 == 0),
            )
            for i in range(scale.calls)
        )
        Call.gigafactories.through.objects.bulk_create(
            Call.gigafactories.through(call_id=c.pk, gigafactory_id=gigafactories[i % len(gigafactories)].pk)
            for i, c in enumerate(calls)
        )
        cutoffs = CallCutoff.objects.bulk_create(
            CallCutoff(call=c, at=timezone.now() - datetime.timedelta(days=d))
            for c in calls
            for d in (200 + rng.randint(0, 60), 60 + rng.randint(0, 60))
        )
        cutoffs_of = {}
        for cutoff in cutoffs:
            cutoffs_of.setdefault(cutoff.call_id, []).append(cutoff)

        types = list(OrganisationType.values)
        countries = ["DE", "FR", "IT", "ES", "NL", "PL", "EE", "PT", "FI", "SE", "CH", "NO", "IE", "AT", "BE"]
        organisations = Organisation.objects.bulk_create(
            Organisation(legal_name=f"Bench Org {i} {tag}", country=rng.choice(countries), type=rng.choice(types))
            for i in range(scale.organisations)
        )

        # Applications: the grants' applications first (accepted or later), then the rest across the life cycle.
        later = [Status.ACCEPTED, Status.ACTIVE, Status.CLOSED, Status.OFFERED]
        others = [
            Status.DRAFT,
            Status.SUBMITTED,
            Status.IN_REVIEW,
            Status.PANEL,
            Status.REJECTED,
            Status.WAITLISTED,
            Status.INELIGIBLE,
            Status.WITHDRAWN,
            Status.APPROVED,
        ]
        year = today.year
        domains = list(AIDomain.values)
        start_number = Application.objects.count() + 1
        apps = []
        decided_at = {}
        for i in range(scale.applications):
            status = later[i % len(later)] if i < scale.grants else rng.choice(others)
            call = calls[i % len(calls)]
            created = timezone.now() - datetime.timedelta(days=rng.randint(30, 300))
            submitted = None
            cutoff = None
            if status != Status.DRAFT:
                cutoff = rng.choice(cutoffs_of[call.pk])
                submitted = cutoff.at - datetime.timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 86_399))
            apps.append(
                Application(
                    call=call,
                    organisation=organisations[i % len(organisations)],
                    created_by=applicant,
                    status=status,
                    reference=None if submitted is None else f"GAP-{year}-{start_number + i:06d}",
                    submitted_at=submitted,
                    cutoff=cutoff,
                    created_at=created,
                    updated_at=created,
                    title=f"Project {i} {tag}",
                    acronym=f"P{i}"[:20],
                    ai_domain=rng.choice(domains),
                    requested_gpu_hours=rng.randint(1_000, 200_000),
                )
            )
            if status in (*later, Status.REJECTED, Status.WAITLISTED, Status.APPROVED):
                decided_at[i] = submitted + datetime.timedelta(days=rng.randint(2, 30), seconds=rng.randint(0, 86_399))
        with _explicit_timestamps((Application, "created_at"), (Application, "updated_at")):
            apps = Application.objects.bulk_create(apps, batch_size=5_000)
        action_of = {Status.REJECTED: Action.REJECT, Status.WAITLISTED: Action.WAITLIST}
        with _explicit_timestamps((ApplicationEvent, "created_at")):
            ApplicationEvent.objects.bulk_create(
                (
                    ApplicationEvent(
                        application=apps[i],
                        actor=admin,
                        action=action_of.get(apps[i].status, Action.APPROVE),
                        from_status=Status.PANEL,
                        to_status=Status.APPROVED if apps[i].status not in action_of else apps[i].status,
                        created_at=at,
                    )
                    for i, at in decided_at.items()
                ),
                batch_size=5_000,
            )
        counts["applications"] = len(apps)

        # Partners, periods (4 Gigafactories x the last 4 quarters) and pools, with their GPU ledger accounts.
        gpu = gpu_ledger()
        partners = [
            Partner.objects.get_or_create(
                name=f"Bench partner {i}", defaults={"kind": "member_state_budget", "country": c}
            )[0]
            for i, c in enumerate(["DE", "FR", "IT", "ES"], start=1)
        ]
        quarters = []
        y, q = today.year, (today.month - 1) // 3 + 1
        for _ in range(4):
            quarters.append((y, q))
            y, q = (y, q - 1) if q > 1 else (y - 1, 4)
        quarters.reverse()

        def accounts(n: int, code: str, owner_kind: str, prefix: str) -> list:
            return Account.objects.bulk_create(
                (
                    Account(
                        ledger=gpu, code=code, name=f"{prefix} {k}", owner_kind=owner_kind, owner_ref=f"{prefix}:{k}"
                    )
                    for k in range(n)
                ),
                batch_size=5_000,
            )

        period_specs = [(gf, yq) for gf in gigafactories for yq in quarters]
        period_accounts = accounts(len(period_specs), AccountCode.CAPACITY, OwnerKind.SYSTEM, f"bench-{tag}-period")
        periods = []
        for (gf, (py, pq)), account in zip(period_specs, period_accounts, strict=True):
            starts = datetime.date(py, 3 * (pq - 1) + 1, 1)
            ends = datetime.date(py + 1, 1, 1) if pq == 4 else datetime.date(py, 3 * pq + 1, 1)
            gross = 100_000 * (ends - starts).days * 24 * SECONDS_PER_HOUR * 90 // 100
            periods.append(
                CapacityPeriod(
                    gigafactory=gf,
                    year=py,
                    quarter=pq,
                    starts_on=starts,
                    ends_on=ends,
                    accelerators=100_000,
                    availability_percent=90,
                    reserve_percent=5,
                    gross_seconds=gross,
                    reserve_seconds=gross // 20,
                    capacity_seconds=gross - gross // 20,
                    account=account,
                    entitlements_on=starts,
                    created_by=admin,
                )
            )
        CapacityPeriod.objects.bulk_create(periods)
        pool_specs = []
        for period in periods:
            open_share = period.capacity_seconds // 2
            for mode in modes:
                pool_specs.append((period, PoolKind.OPEN_ACCESS, mode, None, open_share // len(modes)))
            for k, partner in enumerate(partners, start=1):
                pool_specs.append((period, PoolKind.PARTNER, None, partner, open_share * k // 10))
        pool_accounts = accounts(len(pool_specs), AccountCode.POOL, OwnerKind.POOL, f"bench-{tag}-pool")
        pools = Pool.objects.bulk_create(
            Pool(period=p, kind=kind, access_mode=m, partner=pt, share_bp=0, size_seconds=size, account=a)
            for (p, kind, m, pt, size), a in zip(pool_specs, pool_accounts, strict=True)
        )
        with _explicit_timestamps((AllocationRun, "created_at")):
            runs = AllocationRun.objects.bulk_create(
                AllocationRun(
                    pool=pool,
                    policy="rank_greedy",
                    status=RunStatus.COMMITTED,
                    created_by=admin,
                    created_at=timezone.now(),
                )
                for pool in pools
            )
        open_pools = {}
        for pool, run in zip(pools, runs, strict=True):
            if pool.kind == PoolKind.OPEN_ACCESS:
                open_pools[(pool.period_id, pool.access_mode_id)] = (pool, run)

        # Grants: one per application among the first ``grants``; status follows the application's.
        grant_status = {
            Status.ACCEPTED: GrantStatus.ACCEPTED,
            Status.ACTIVE: GrantStatus.ACTIVE,
            Status.CLOSED: GrantStatus.CLOSED,
            Status.OFFERED: GrantStatus.OFFERED,
        }
        grant_accounts = accounts(scale.grants, AccountCode.GRANT, OwnerKind.GRANT, f"bench-{tag}-grant")
        period_of_gf = {}
        for period in periods:
            period_of_gf.setdefault(period.gigafactory_id, []).append(period)
        gf_of_call = {c.pk: gigafactories[i % len(gigafactories)] for i, c in enumerate(calls)}
        mode_of_call = {c.pk: c.access_mode_id for c in calls}
        grants = []
        for i in range(scale.grants):
            application = apps[i]
            gf = gf_of_call[application.call_id]
            period = rng.choice(period_of_gf[gf.pk])
            pool, run = open_pools[(period.pk, mode_of_call[application.call_id])]
            grants.append(
                Grant(
                    application=application,
                    gigafactory=gf,
                    period=period,
                    pool=pool,
                    run=run,
                    granted_seconds=rng.randint(500, 100_000) * SECONDS_PER_HOUR,
                    slurm_account=f"b{tag}{i}",
                    starts_on=period.starts_on,
                    ends_on=period.ends_on,
                    status=grant_status[application.status],
                    offered_at=timezone.now() - datetime.timedelta(days=100),
                    respond_by=timezone.now(),
                    account=grant_accounts[i],
                )
            )
        grants = Grant.objects.bulk_create(grants, batch_size=5_000)
        counts["grants"] = len(grants)

        counts |= _usage_and_reclaims(rng, scale, grants, today)

        counts["assignments"] = _review_assignments(rng, scale, apps, admin, tag)

    counts["transfers"] = _eur_payments(rng, partners, scale.transfers)
    usage_summary_refresh(trigger="seed")
    return counts
