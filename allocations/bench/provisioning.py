"""`make bench`: the desired state of a cluster with 10,000 grants of 10 members each (target: served < 1 s)."""

import datetime
import time
import uuid

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from allocations.bench.dashboards import Scale, _copy, seed

GRANTS = 10_000
MEMBERS = 10


def _provisioning_data(today: datetime.date) -> tuple[str, str]:
    """Seed 10,000 grants, move them onto one cluster's Gigafactory as live grants with a ``gap-`` account, and
    give each 10 members with cluster user names. Returns the cluster's name and its token's key."""
    from accounts.models import User
    from allocations.models import Gigafactory
    from allocations.models.capacity import Grant, GrantStatus
    from allocations.models.provisioning import ClusterUsername, GrantMember
    from allocations.usage.services import cluster_create, cluster_token_create

    seed(Scale(applications=GRANTS + 500, grants=GRANTS, usage_rows=20_000, transfers=100, organisations=500))
    tag = uuid.uuid4().hex[:6]
    admin = User.objects.create_user(email=f"bench-provisioning-{tag}@example.eu")
    gigafactory = Gigafactory.objects.filter(slug__startswith="bench-gf-").order_by("pk").first()
    grants = Grant.objects.filter(slurm_account__startswith="b")
    grants.update(
        gigafactory=gigafactory,
        status=GrantStatus.ACTIVE,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=60),
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE allocations_grant SET slurm_account = 'gap-b-' || id WHERE slurm_account LIKE 'b%%'")
    people = User.objects.bulk_create(
        [
            User(email=f"bench-member-{tag}-{i}@example.eu", password=make_password(None))
            for i in range(GRANTS * MEMBERS // 5)
        ],
        batch_size=5_000,
    )
    ClusterUsername.objects.bulk_create(
        [ClusterUsername(user=u, gigafactory=gigafactory, username=f"u{tag}{i}") for i, u in enumerate(people)],
        batch_size=5_000,
    )
    application_ids = sorted(
        set(Grant.objects.filter(slurm_account__startswith="gap-b-").values_list("application_id", flat=True))
    )
    now = timezone.now().isoformat()
    _copy(
        GrantMember._meta.db_table,
        ["application_id", "user_id", "added_by_id", "added_at"],
        (
            (app_id, people[(n * 7 + k * 131) % len(people)].pk, admin.pk, now)
            for n, app_id in enumerate(application_ids)
            for k in range(MEMBERS)
        ),
    )
    cluster = cluster_create(
        name=f"bench-{tag}", gigafactory=gigafactory, time_zone="Europe/Brussels", by=_admin(admin)
    )
    _token, key = cluster_token_create(cluster=cluster, name="bench", by=admin)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return cluster.name, key


def _admin(user):
    from django.contrib.auth.models import Group

    from accounts.roles import PlatformRole

    user.groups.add(Group.objects.get_or_create(name=PlatformRole.ALLOCATION_ADMIN)[0])
    return user


def run() -> list[dict]:
    name, key = _provisioning_data(timezone.localdate())
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        return _measure(name, key)


def _measure(name: str, key: str) -> list[dict]:
    client = Client(HTTP_AUTHORIZATION=f"Cluster {key}")
    url = f"/api/v1/clusters/{name}/desired-state/"
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    body = response.json()
    users = sum(len(a["users"]) for a in body["accounts"])
    started = time.perf_counter()
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    not_modified = time.perf_counter() - started
    assert unchanged.status_code == 304
    return [
        {
            "name": "provisioning: desired state served",
            "value": round(min(timings), 3),
            "unit": "s",
            "note": f"best of 5 (median {sorted(timings)[2]:.3f} s); {len(body['accounts']):,} accounts, "
            f"{users:,} users, {len(response.content) // 1024:,} KiB; target < 1 s",
        },
        {"name": "provisioning: unchanged (304)", "value": round(not_modified, 3), "unit": "s", "note": ""},
    ]
