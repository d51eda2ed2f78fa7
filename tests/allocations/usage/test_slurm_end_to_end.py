"""From award to cluster and back, on the real Slurm of scripts/slurm_testbed.sh (marked ``slurm``).

A grant is accepted in the portal -> one run of the site agent (python -m site_agent, against the live server) ->
Slurm has the account, the member and the GPU-minutes limit -> the member's job with 2 GPUs runs; a team member who
has not accepted the terms of access is not given the account and is refused; a job beyond the limit stays pending
on the association limit -> the next run pushes the records -> the portal's usage equals what sacct reports and the
burn-down moves -> the grant closes -> the limit drops, the member is removed and a new job is refused. The closing
run is killed between its two sacctmgr commands; the next run converges to the same end state.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from allocations.capacity.services.offers import grant_close
from allocations.models import Application, ApplicationMember
from allocations.models.capacity import Grant
from allocations.models.provisioning import AccountProvisioning, ProvisioningStatus
from allocations.models.usage import UsageRecord
from allocations.usage import selectors
from allocations.usage.provisioning import desired_state
from allocations.usage.services.provisioning import cluster_username_set, grant_member_add
from tests.factories import ClusterFactory, GigafactoryFactory, UserFactory, active_grant
from tests.factories.terms import published_terms
from tests.factories.usage import cluster_token
from tests.slurm import linux_user, poll, run, sacct_job, squeue_reason

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.slurm, pytest.mark.django_db(transaction=True)]
MEMBER, OUTSIDER = "gapmember1", "gapoutsider1"


def slurm_accounts_of_the_portal() -> list[str]:
    out = run("sacctmgr", "-n", "-P", "show", "account", "format=account").stdout.split()
    return [name for name in out if name.startswith("gap-")]


@pytest.fixture
def clean_slurm():
    """No job of the test users and no portal account left from an earlier run (their usage would count)."""
    for user in (MEMBER, OUTSIDER):
        linux_user(user)
        run("scancel", "-u", user, check=False)
    poll(lambda: not run("squeue", "-h", "-u", f"{MEMBER},{OUTSIDER}").stdout.strip())
    for name in slurm_accounts_of_the_portal():
        run("sacctmgr", "-i", "delete", "account", "where", f"name={name}", check=False)
    yield
    for user in (MEMBER, OUTSIDER):
        run("scancel", "-u", user, check=False)
    for name in slurm_accounts_of_the_portal():
        run("sacctmgr", "-i", "delete", "account", "where", f"name={name}", check=False)


def agent(url: str, key: str, state_dir: Path, sacctmgr: str = "sacctmgr") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "TZ": "UTC",
        "GAP_PORTAL_URL": url,
        "GAP_CLUSTER": "gapcluster",
        "GAP_CLUSTER_TOKEN": key,
        "GAP_STATE_DIR": str(state_dir),
        "GAP_SACCTMGR": sacctmgr,
    }
    return subprocess.run(
        [sys.executable, "-m", "site_agent"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def assoc(account: str) -> dict[str, str]:
    """user ('' for the account itself) -> GrpTRESMins, as sacctmgr shows them."""
    out = run("sacctmgr", "-n", "-P", "show", "assoc", f"account={account}", "format=user,grptresmins").stdout
    return dict(line.split("|", 1) for line in out.splitlines() if line.strip())


def sbatch(user: str, account: str, *args: str) -> subprocess.CompletedProcess:
    return run("sbatch", "--parsable", "-A", account, *args, user=user, check=False)


def test_award_to_cluster_and_back(clean_slurm, live_server, settings, tmp_path, carol, alice, alice_org):
    settings.SLURM_USER_GRACE_DAYS = 0
    gigafactory = GigafactoryFactory(name="Testbed AI Gigafactory", slug="testbed")
    cluster = ClusterFactory(name="gapcluster", gigafactory=gigafactory, timezone="UTC")
    key = cluster_token(cluster, by=carol)
    published_terms(by=carol)
    published_terms(by=carol, gigafactory=gigafactory)
    grant = active_grant(by=carol, gigafactory=gigafactory, hours=1, organisation=alice_org, pi=alice)  # she accepts
    # An account name of its own: sacct keeps the jobs of the accounts of earlier runs.
    account = f"gap-2027-{random.randrange(1, 999_999):06d}"
    Grant.objects.filter(pk=grant.pk).update(slurm_account=account)
    cluster_username_set(user=alice, gigafactory=gigafactory, username=linux_user(MEMBER))
    grant_member_add(grant=grant, user=alice, by=alice)
    # A team member who has not accepted the terms: withheld from Slurm, listed as pending for the site.
    ben = UserFactory(email="ben@aurora-ai.eu")
    ApplicationMember.objects.create(application=grant.application, email=ben.email, user=ben)
    cluster_username_set(user=ben, gigafactory=gigafactory, username=linux_user(OUTSIDER))
    grant_member_add(grant=grant, user=ben, by=alice)

    first = agent(live_server.url, key, tmp_path)
    assert first.returncode == 0, first.stderr

    assert assoc(account) == {"": "gres/gpu=60", MEMBER: ""}
    assert desired_state(cluster=cluster)["accounts"][0]["pending_terms"] == [OUTSIDER]
    assert AccountProvisioning.objects.get(cluster=cluster, slurm_account=account).status == ProvisioningStatus.APPLIED

    job = sbatch(MEMBER, account, "--gres=gpu:2", "-t", "1", "--wrap", "sleep 2")
    assert job.returncode == 0, job.stderr
    job_id = job.stdout.strip().split(";")[0]
    finished = poll(lambda: (row := sacct_job(job_id)) and row["State"] == "COMPLETED" and row)
    assert "gres/gpu=2" in finished["AllocTRES"]

    refused = sbatch(OUTSIDER, account, "--gres=gpu:1", "-t", "1", "--wrap", "true")  # no terms, no account
    assert refused.returncode != 0
    assert "Invalid account" in refused.stderr

    too_big = sbatch(MEMBER, account, "--gres=gpu:2", "-t", "60", "--wrap", "sleep 1")  # 120 GPU-minutes > 60
    assert too_big.returncode == 0, too_big.stderr
    big_id = too_big.stdout.strip().split(";")[0]
    assert "AssocGrpGRESMinutes" in poll(
        lambda: "AssocGrpGRESMinutes" in squeue_reason(big_id) and squeue_reason(big_id)
    )
    run("scancel", big_id)
    poll(lambda: sacct_job(big_id).get("State", "").startswith("CANCELLED"))

    second = agent(live_server.url, key, tmp_path)
    assert second.returncode == 0, second.stderr
    sacct_lines = run(
        "sacct",
        "-a",
        "-X",
        "-n",
        "-P",
        "--noconvert",
        "-A",
        account,
        "-S",
        "now-1days",
        "--format=JobID,Start,End,Elapsed,AllocTRES",
    ).stdout.splitlines()
    expected = {}
    for line in sacct_lines:
        jid, start, end, elapsed, tres = line.split("|")
        if start not in ("None", "Unknown") and end not in ("None", "Unknown"):
            gpus = next((int(t.split("=")[1]) for t in tres.split(",") if t.startswith("gres/gpu=")), 0)
            h, m, s = (int(x) for x in elapsed.split(":"))
            if gpus * (h * 3600 + m * 60 + s):  # the cancelled pending job may get a start but never uses a second
                expected[jid] = gpus * (h * 3600 + m * 60 + s)
    records = UsageRecord.objects.filter(grant=grant).values_list("job_id", "gpu_seconds")
    portal = {job: seconds for job, seconds in records if seconds}
    assert portal == expected and portal[job_id] > 0
    grant = Grant.objects.select_related("account").get(pk=grant.pk)
    assert selectors.grant_usage(grant=grant).used_seconds == sum(expected.values())

    with transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        grant_close(locked, Application.objects.select_for_update().get(pk=locked.application_id))
    used_minutes = sum(expected.values()) // 60

    # sacctmgr that kills the agent right after its first change: the run stops between two commands.
    killer = tmp_path / "sacctmgr-then-kill"
    killer.write_text('#!/bin/sh\nsacctmgr "$@"\nstatus=$?\n[ "$1" = "-i" ] && kill -9 "$PPID"\nexit $status\n')
    killer.chmod(0o755)
    killed = agent(live_server.url, key, tmp_path, sacctmgr=str(killer))
    assert killed.returncode == -9
    assert assoc(account) == {"": f"gres/gpu={used_minutes}", MEMBER: ""}  # the limit dropped first

    last = agent(live_server.url, key, tmp_path)
    assert last.returncode == 0, last.stderr
    assert assoc(account) == {"": f"gres/gpu={used_minutes}"}
    late = sbatch(MEMBER, account, "--gres=gpu:1", "-t", "1", "--wrap", "true")
    assert late.returncode != 0
    assert "Invalid account" in late.stderr
    again = agent(live_server.url, key, tmp_path)
    assert again.returncode == 0 and "0 action(s), 0 left" in again.stdout
