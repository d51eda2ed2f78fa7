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
- ``pending_terms``: the members withheld from ``users`` because they have not accepted the platform's terms of
  access and the Gigafactory's acceptable-use policy (in the version current when they joined the team, or a later
  one; see ``allocations.terms.selectors``). The agent does not create them; they appear in ``users`` once they
  accept.
"""

import datetime as dt
import hashlib
import json
import re
import unicodedata
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from allocations.models.capacity import Grant, GrantStatus
from allocations.models.provisioning import AccountProvisioning, GrantMember, ProvisioningReport
from allocations.models.usage import Cluster, UsageDaily
from allocations.terms.selectors import provisioning_clearance
from site_agent.reconcile import DEFAULT_PREFIX, Account

PREFIX = DEFAULT_PREFIX
LIVE = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE)
PROVISIONED = (GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED)
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._-]+")


def _clean(text: str, limit: int = 60) -> str:
    """Text sacctmgr takes as a value (no quotes, commas or equals signs), collapsed and cut; accents are folded
    ("Université" gives "Universite")."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(_UNSAFE.sub(" ", folded).split())[:limit]


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


def _members(gigafactory_id: int) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """The cluster user names of each application's grant team, for the applications with a grant on the
    Gigafactory: ``(cleared, pending_terms)``, the terms-of-access gate applied (one query)."""
    return provisioning_clearance(gigafactory_id=gigafactory_id)


def _ended(grant: dict, today: dt.date) -> bool:
    return grant["status"] not in LIVE or grant["ends_on"] <= today


def _desired_items(cluster: Cluster, today: dt.date) -> list[dict]:
    """The accounts as the desired-state document lists them (users sorted), by name."""
    slices = _slices(cluster, today)
    ended_ids = [g["pk"] for g in slices if _ended(g, today)]
    used = dict(
        UsageDaily.objects.filter(grant_id__in=ended_ids)
        .values("grant_id")
        .order_by()
        .annotate(total=Sum("gpu_seconds"))
        .values_list("grant_id", "total")
    )
    members, pending = _members(cluster.gigafactory_id)
    by_account: dict[str, list[dict]] = defaultdict(list)
    for grant in slices:
        by_account[grant["slurm_account"]].append(grant)
    grace = dt.timedelta(days=settings.SLURM_USER_GRACE_DAYS)
    items = []
    for name in sorted(by_account):
        grants = by_account[name]
        seconds = 0
        live = False
        last_end = dt.date.min
        for grant in grants:
            if grant["status"] not in LIVE or grant["ends_on"] <= today:
                seconds += min(used.get(grant["pk"], 0), grant["granted_seconds"])
                last_end = max(last_end, min(grant["ends_on"], today))
            else:
                live = True
                if grant["starts_on"] <= today:
                    seconds += grant["granted_seconds"]
        users: list[str] = []
        withheld: list[str] = []
        if live or today < last_end + grace:
            applications = {grant["application_id"] for grant in grants}
            users = sorted({user for app in applications for user in members.get(app, ())})
            withheld = sorted({user for app in applications for user in pending.get(app, ())} - set(users))
        first = grants[0]
        organisation = first["application__organisation__short_name"] or first["application__organisation__legal_name"]
        items.append(
            {
                "name": name,
                "description": _clean(f"{first['application__reference'] or ''} {first['application__title'] or ''}"),
                # sacctmgr refuses an empty value: a name in another script keeps the application's reference.
                "organization": _clean(organisation or "") or _clean(first["application__reference"] or "") or "-",
                "gpu_minutes": seconds // 60,
                "users": users,
                "pending_terms": withheld,
            }
        )
    return items


def desired_accounts(*, cluster: Cluster, today: dt.date | None = None) -> list[Account]:
    """The Slurm accounts the portal wants on ``cluster`` (see the module's docstring), sorted by name."""
    return [
        Account(
            name=item["name"],
            description=item["description"],
            organization=item["organization"],
            gpu_minutes=item["gpu_minutes"],
            users=frozenset(item["users"]),
        )
        for item in _desired_items(cluster, today or timezone.localdate())
    ]


def desired_state_json(*, cluster: Cluster, today: dt.date | None = None) -> tuple[str, bytes]:
    """``(version, JSON document)`` that ``GET /api/v1/clusters/{name}/desired-state/`` serves: ``cluster``,
    ``prefix``, ``accounts`` and ``version`` (a hash of the rest), encoded once."""
    accounts = _desired_items(cluster, today or timezone.localdate())
    content = json.dumps({"cluster": cluster.name, "prefix": PREFIX, "accounts": accounts}, separators=(",", ":"))
    version = hashlib.sha256(content.encode()).hexdigest()[:32]
    return version, ('{"version":"' + version + '",' + content[1:]).encode()


def desired_state(*, cluster: Cluster, today: dt.date | None = None) -> dict:
    return json.loads(desired_state_json(cluster=cluster, today=today)[1])


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
