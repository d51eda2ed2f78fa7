"""Factories for usage accounting: clusters and tokens, active grants made through the capacity services (so the
GPU-second ledger holds what production would), and sacct / CSV lines that look like real Slurm output."""

import datetime as dt
import itertools

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from allocations.capacity import services as capacity_services
from allocations.models import Call, Gigafactory
from allocations.models.capacity import CapacityPeriod, Grant, GrantStatus
from allocations.models.usage import Cluster
from allocations.usage.services import cluster_token_create
from tests.factories.allocations import CallFactory, GigafactoryFactory
from tests.factories.capacity import approved_application, open_pool, period_with_pools
from tests.factories.terms import accept_current_terms

HOUR = 3600
_jobs = itertools.count(100_000)


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"cluster{n}")
    gigafactory = factory.SubFactory(GigafactoryFactory)
    timezone = "Europe/Brussels"


def cluster_token(cluster: Cluster, *, by: User, name: str = "slurmctld") -> str:
    """A fresh push token of ``cluster``; returns the key."""
    return cluster_token_create(cluster=cluster, name=name, by=by)[1]


def current_quarter(today: dt.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


def period_for(*, by: User, gigafactory: Gigafactory, year: int, quarter: int) -> CapacityPeriod:
    """The Gigafactory's period of that quarter, created and split (all to Large Scale) on first use."""
    period = CapacityPeriod.objects.filter(gigafactory=gigafactory, year=year, quarter=quarter).first()
    return period or period_with_pools(by=by, gigafactory=gigafactory, year=year, quarter=quarter, accelerators=200)


def active_grant(
    *,
    by: User,
    gigafactory: Gigafactory,
    hours: int = 1_000,
    organisation=None,
    pi: User | None = None,
    call: Call | None = None,
    year: int | None = None,
    quarter: int | None = None,
) -> Grant:
    """An active grant of ``hours`` GPU-hours on ``gigafactory`` in the given quarter (default: the current one),
    made the way production makes it: approved application, allocation run committed by ``by``, offer accepted by
    the PI (after accepting the current terms of access, if any are published), grant activated. Its
    ``slurm_account`` is the application's reference in lower case."""
    if year is None or quarter is None:
        year, quarter = current_quarter()
    period = period_for(by=by, gigafactory=gigafactory, year=year, quarter=quarter)
    if call is None:
        call = Call.objects.filter(gigafactories=gigafactory).first() or CallFactory(gigafactories=[gigafactory])
    application = approved_application(
        call=call, requested=hours, minimum=hours, rank=1, organisation=organisation, pi=pi, gigafactory=gigafactory
    )
    run = capacity_services.run_create(pool=open_pool(period), policy="rank_greedy", by=by)
    capacity_services.run_execute(run_id=run.pk)
    capacity_services.run_commit(run_id=run.pk, by=by)
    grant = Grant.objects.get(application=application, period=period)
    accept_current_terms(application.pi, [gigafactory])  # the offer needs them once terms are published
    capacity_services.offer_respond(grant_id=grant.pk, accept=True, by=application.pi)
    grant.refresh_from_db()
    if grant.status != GrantStatus.ACTIVE:
        start = timezone.make_aware(dt.datetime.combine(period.starts_on, dt.time(12)))
        capacity_services.grants_activate(now=start)
    return Grant.objects.select_related("account", "period", "pool__account", "application__pi").get(pk=grant.pk)


def sacct_line(
    *,
    account: str,
    job_id: str | None = None,
    user: str = "alice",
    start: dt.datetime,
    elapsed: int = HOUR,
    gpus: int = 4,
    tres: str | None = None,
    partition: str = "booster",
    state: str = "COMPLETED",
) -> str:
    """One ``sacct --parsable2`` allocation line (JobID|JobIDRaw|User|Account|Partition|Start|End|Elapsed|AllocTRES|
    State), with an Elapsed of ``[D-]HH:MM:SS`` and an AllocTRES like Slurm prints it."""
    job_id = job_id or str(next(_jobs))
    end = start + dt.timedelta(seconds=elapsed)
    days, rest = divmod(elapsed, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    elapsed_text = f"{days}-{clock}" if days else clock
    tres = tres if tres is not None else f"billing={gpus * 16},cpu={gpus * 16},gres/gpu={gpus},mem=512G,node=1"
    return "|".join(
        [
            job_id,
            job_id,
            user,
            account,
            partition,
            start.isoformat(timespec="seconds"),
            end.isoformat(timespec="seconds"),
            elapsed_text,
            tres,
            state,
        ]
    )


def sacct_upload(lines: list[str], name: str = "sacct.txt", header: bool = False) -> SimpleUploadedFile:
    head = ["JobID|JobIDRaw|User|Account|Partition|Start|End|Elapsed|AllocTRES|State"] if header else []
    return SimpleUploadedFile(name, ("\n".join(head + lines) + "\n").encode(), content_type="text/plain")


def day_start(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))
