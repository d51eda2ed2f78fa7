"""Usage of the demo grants: one Slurm cluster per Gigafactory in service, and job accounting lines generated as
``sacct --parsable2`` prints them, uploaded and processed through the usage import services (which post the hours to
the ledger and write the 80 % and 100 % alerts)."""

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from allocations.models import Gigafactory
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.usage import Cluster, UsageImport
from allocations.usage import services

CLUSTER_NAMES = {"aurora-nord": "aurora", "rheinland": "rhein", "iberia": "iberia", "mediterranean": "medi"}
PARTITIONS = ["booster", "gpu", "large"]


def cluster(gigafactory: Gigafactory, *, by: User) -> Cluster:
    name = CLUSTER_NAMES.get(gigafactory.slug, gigafactory.slug)
    found = Cluster.objects.filter(name=name).first()
    return found or services.cluster_create(name=name, gigafactory=gigafactory, time_zone="Europe/Brussels", by=by)


def _usage_share(rng: random.Random) -> float:
    """How much of its grant a project uses: a few barely start, most use most of it, some run over."""
    roll = rng.random()
    if roll < 0.1:
        return rng.uniform(0.15, 0.4)
    if roll < 0.7:
        return rng.uniform(0.6, 0.88)
    if roll < 0.9:
        return rng.uniform(0.88, 0.99)
    return rng.uniform(1.0, 1.08)


def _elapsed(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _jobs(grant: Grant, *, share: float, until: dt.date, rng: random.Random, first_id: int) -> list[str]:
    """sacct allocation lines of ``grant`` from its start to ``until`` using about ``share`` of its hours over
    the whole grant (proportionally less when ``until`` cuts the grant short)."""
    end = min(grant.ends_on, until)
    days = (end - grant.starts_on).days
    if days <= 0:
        return []
    target = int(grant.granted_seconds * share * days / (grant.ends_on - grant.starts_on).days)
    count = rng.randint(6, 16)
    per_job = max(target // count, 3600)
    lines = []
    for n in range(count):
        gpus = 1
        while gpus < 4096 and per_job // gpus > 20 * 3600:
            gpus *= 2
        elapsed = max(min(per_job // gpus, 72 * 3600), 600)
        start = dt.datetime.combine(grant.starts_on, dt.time(8)) + dt.timedelta(
            seconds=rng.randrange(max(days * 86400 - elapsed - 3600, 1))
        )
        stop = start + dt.timedelta(seconds=elapsed)
        job = first_id + n
        user = f"{grant.slurm_account[:8]}u{n % 3}"
        lines.append(
            f"{job}|{job}|{user}|{grant.slurm_account}|{rng.choice(PARTITIONS)}|{start.isoformat()}|"
            f"{stop.isoformat()}|{_elapsed(elapsed)}|billing={gpus * 8},cpu={gpus * 8},gres/gpu={gpus},"
            f"mem={gpus * 64}G,node={max(gpus // 4, 1)}|COMPLETED"
        )
        # A job step: skipped by the import, as on a real cluster.
        lines.append(
            f"{job}.batch|{job}.batch||{grant.slurm_account}||{start.isoformat()}|{stop.isoformat()}|"
            f"{_elapsed(elapsed)}|cpu=8,mem=64G,node=1|COMPLETED"
        )
    return lines


def upload(*, cluster: Cluster, grants: list[Grant], until: dt.date, shares: dict[int, float], name: str, by: User):
    """One sacct file with the jobs of ``grants`` up to ``until``, uploaded and processed as the worker would."""
    rng = random.Random(f"{cluster.name}:{name}")  # noqa: S311 - demo data
    lines = []
    for grant in grants:
        lines += _jobs(grant, share=shares[grant.pk], until=until, rng=rng, first_id=1_000_000 + grant.pk * 1_000)
    if not lines:
        return None
    data = ("\n".join(lines) + "\n").encode()
    usage_import = services.usage_import_create(
        cluster=cluster, upload=SimpleUploadedFile(name, data, content_type="text/plain"), fmt="sacct", by=by
    )
    services.usage_import_process(import_id=usage_import.pk)
    return UsageImport.objects.get(pk=usage_import.pk)


def quarter_usage(*, period_ids: list[int], until: dt.date, rng: random.Random, by: User, label: str) -> int:
    """Upload the usage of the active grants of ``period_ids`` up to ``until``, one file per cluster."""
    grants = list(
        Grant.objects.filter(period_id__in=period_ids, status=GrantStatus.ACTIVE)
        .select_related("gigafactory")
        .order_by("pk")
    )
    shares = {g.pk: _usage_share(rng) for g in grants}
    imports = 0
    for gigafactory in sorted({g.gigafactory for g in grants}, key=lambda g: g.pk):
        mine = [g for g in grants if g.gigafactory_id == gigafactory.pk]
        done = upload(
            cluster=cluster(gigafactory, by=by),
            grants=mine,
            until=until,
            shares=shares,
            name=f"sacct-{CLUSTER_NAMES.get(gigafactory.slug, gigafactory.slug)}-{label}.txt",
            by=by,
        )
        imports += done is not None
    return imports
