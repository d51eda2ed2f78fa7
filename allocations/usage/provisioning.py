"""Reads of provisioning: the desired state of a cluster's Slurm accounts, and what the site agents reported.

The desired state of a cluster lists one Slurm account per application with a grant (a "slice") on the cluster's
Gigafactory that is accepted or active, starts within ``SLURM_PROVISIONING_LEAD_DAYS``, or ended less than
``SLURM_ACCOUNT_RETENTION_DAYS`` ago (closed and expired slices keep their account so their history stays
readable; after that the agent deletes it). For each account:

- ``gpu_minutes`` (``GrpTRESMins=gres/gpu``): Slurm compares it with all the usage accumulated on the account since
  it was created (the agent never resets usage), so the limit is cumulative: the full hours of every slice that
  has started and not ended, plus what was used of each slice that ended (its unused hours are reclaimed). When
  every slice has ended the limit is what was used: no new job starts.
- ``users``: the cluster user names (``ClusterUsername`` for the Gigafactory) of the grant team members the PI
  added (``GrantMember``); removed ``SLURM_USER_GRACE_DAYS`` after the last slice ended.

Terms of access: a member gets an account only after accepting the platform's and the site's terms. That gate
belongs to the terms-of-access feature; it plugs in at :func:`_members`, which is where the user list is built.
"""

import datetime as dt
import hashlib
import json
import re
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from allocations.models.capacity import Grant, GrantStatus
from allocations.models.provisioning import AccountProvisioning, ClusterUsername, GrantMember, ProvisioningReport
from allocations.models.usage import Cluster, UsageDaily
from site_agent.reconcile import DEFAULT_PREFIX, Account

PREFIX = DEFAULT_PREFIX
LIVE = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE)
PROVISIONED = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._-]+")


def _clean(text: str, limit: int = 60) -> str:
    """Text sacctmgr takes as a value (no quotes, commas or equals signs), collapsed and cut."""
    return " ".join(_UNSAFE.sub(" ", text or "").split())[:limit]


def _slices(cluster: Cluster, today: dt.date) -> list[dict]:
    lead = today + dt.timedelta(days=settings.SLURM_PROVISIONING_LEAD_DAYS)
    kept_since = today - dt.timedelta(days=settings.SLURM_ACCOUNT_RETENTION_DAYS)
    return list(
        Grant.objects.filter(
            gigafactory_id=cluster.gigafactory_id,
            status__in=PROVISIONED,
            starts_on__lte=lead,
            ends_on__gt=kept_since,
            slurm_account__startswith=PREFIX,
        )
        .order_by()
        .values(
            "pk",
            "slurm_account",
            "status",
            "starts_on",
            "ends_on",
            "granted_seconds",
            "application_id",
            "application__title",
            "application__reference",
            "application__organisation__short_name",
            "application__organisation__legal_name",
        )
    )


def _ended(grant: dict, today: dt.date) -> bool:
    return grant["status"] not in LIVE or grant["ends_on"] <= today


def _members(application_ids: set[int], gigafactory_id: int) -> dict[int, set[str]]:
    """Cluster user names of each application's grant team (the terms-of-access gate filters here)."""
    usernames = dict(ClusterUsername.objects.filter(gigafactory_id=gigafactory_id).values_list("user_id", "username"))
    members: dict[int, set[str]] = defaultdict(set)
    for application_id, user_id in GrantMember.objects.filter(application_id__in=application_ids).values_list(
        "application_id", "user_id"
    ):
        if user_id in usernames:
            members[application_id].add(usernames[user_id])
    return members


def desired_accounts(*, cluster: Cluster, today: dt.date | None = None) -> list[Account]:
    """The Slurm accounts the portal wants on ``cluster`` (see the module's docstring), sorted by name."""
    today = today or timezone.localdate()
    slices = _slices(cluster, today)
    ended_ids = [g["pk"] for g in slices if _ended(g, today)]
    used = dict(
        UsageDaily.objects.filter(grant_id__in=ended_ids)
        .values("grant_id")
        .order_by()
        .annotate(total=Sum("gpu_seconds"))
        .values_list("grant_id", "total")
    )
    by_account: dict[str, list[dict]] = defaultdict(list)
    for grant in slices:
        by_account[grant["slurm_account"]].append(grant)
    members = _members({g["application_id"] for g in slices}, cluster.gigafactory_id)
    grace = dt.timedelta(days=settings.SLURM_USER_GRACE_DAYS)
    accounts = []
    for name in sorted(by_account):
        grants = by_account[name]
        seconds = 0
        live = False
        for grant in grants:
            if _ended(grant, today):
                seconds += min(used.get(grant["pk"], 0), grant["granted_seconds"])
            else:
                live = True
                if grant["starts_on"] <= today:
                    seconds += grant["granted_seconds"]
        last_end = max(min(g["ends_on"], today) for g in grants)
        keeps_users = live or today < last_end + grace
        first = grants[0]
        users = set()
        if keeps_users:
            for grant in grants:
                users |= members.get(grant["application_id"], set())
        organisation = first["application__organisation__short_name"] or first["application__organisation__legal_name"]
        accounts.append(
            Account(
                name=name,
                description=_clean(f"{first['application__reference'] or ''} {first['application__title'] or ''}"),
                organization=_clean(organisation or ""),
                gpu_minutes=seconds // 60,
                users=frozenset(users),
            )
        )
    return accounts


def desired_state(*, cluster: Cluster, today: dt.date | None = None) -> dict:
    """The document ``GET /api/v1/clusters/{name}/desired-state/`` serves; ``version`` is a hash of its content."""
    accounts = [
        {
            "name": a.name,
            "description": a.description,
            "organization": a.organization,
            "gpu_minutes": a.gpu_minutes,
            "users": sorted(a.users),
        }
        for a in desired_accounts(cluster=cluster, today=today)
    ]
    body = {"cluster": cluster.name, "prefix": PREFIX, "accounts": accounts}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    body["version"] = hashlib.sha256(canonical).hexdigest()[:32]
    return body


def usage_since(*, cluster: Cluster, now: dt.datetime | None = None) -> dt.datetime:
    """Where the next usage window starts: the end of the last one pushed, less an hour of overlap (a job that
    ended just before is sent again; the import keeps it once), or the start of the oldest provisioned slice."""
    now = now or timezone.now()
    if cluster.usage_pushed_until:
        return cluster.usage_pushed_until - dt.timedelta(hours=1)
    first = (
        Grant.objects.filter(gigafactory_id=cluster.gigafactory_id, status__in=PROVISIONED)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    if first is None:
        return now
    return dt.datetime.combine(first, dt.time(0), tzinfo=zone(cluster))


def zone(cluster: Cluster) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(cluster.timezone)


def local_naive(cluster: Cluster, moment: dt.datetime) -> str:
    """``moment`` as the cluster's local time without an offset (how sacct reads -S/-E)."""
    return moment.astimezone(zone(cluster)).replace(tzinfo=None, microsecond=0).isoformat()


def grant_provisioning(*, grant: Grant) -> list[dict]:
    """Per cluster of the grant's Gigafactory: the account's status, the agent's message and its last contact."""
    clusters = list(Cluster.objects.filter(gigafactory_id=grant.gigafactory_id).order_by("name"))
    rows = {
        row.cluster_id: row
        for row in AccountProvisioning.objects.filter(cluster__in=clusters, slurm_account=grant.slurm_account.lower())
    }
    return [{"cluster": cluster, "row": rows.get(cluster.pk)} for cluster in clusters]


def cluster_overview(*, cluster: Cluster) -> dict:
    """The staff page of a cluster: heartbeat, the last reports, the drift and the per-account statuses."""
    reports = list(ProvisioningReport.objects.filter(cluster=cluster).order_by("-received_at", "-id")[:10])
    desired = {a.name for a in desired_accounts(cluster=cluster)}
    statuses = list(AccountProvisioning.objects.filter(cluster=cluster).order_by("slurm_account"))
    known = {row.slurm_account for row in statuses}
    silence = dt.timedelta(minutes=settings.SLURM_AGENT_SILENCE_MINUTES)
    return {
        "silent": cluster.last_report_at is None or cluster.last_report_at < timezone.now() - silence,
        "cluster": cluster,
        "reports": reports,
        "last": reports[0] if reports else None,
        "statuses": statuses,
        "never_reported": sorted(desired - known),
        "silence_minutes": settings.SLURM_AGENT_SILENCE_MINUTES,
    }


def silent_clusters(*, now: dt.datetime) -> list[Cluster]:
    """Clusters whose agent has reported before but not for ``SLURM_AGENT_SILENCE_MINUTES``, not yet alerted."""
    cutoff = now - dt.timedelta(minutes=settings.SLURM_AGENT_SILENCE_MINUTES)
    return list(Cluster.objects.filter(last_report_at__lt=cutoff, silence_alerted_at__isnull=True).order_by("name"))


def grant_team(*, grant: Grant) -> list[GrantMember]:
    return list(GrantMember.objects.filter(application_id=grant.application_id).select_related("user"))
