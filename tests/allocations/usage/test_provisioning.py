"""Provisioning in the portal: the desired state of a cluster, the site agent's API and the silent-agent alert."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from allocations.models.capacity import Grant
from allocations.models.provisioning import AccountProvisioning, ProvisioningReport, ProvisioningStatus
from allocations.models.usage import Cluster, UsageDaily
from allocations.usage import provisioning
from allocations.usage.services import provisioning as services
from tests.allocations.usage.test_api_and_pages import cluster_api
from tests.factories import ClusterFactory, GigafactoryFactory
from tests.factories.usage import cluster_token


@pytest.fixture
def team(grant, alice, gigafactory):
    services.cluster_username_set(user=alice, gigafactory=gigafactory, username="alice")
    services.grant_member_add(grant=grant, user=alice, by=alice)
    return grant


def test_the_desired_state_has_the_account_its_members_and_the_cumulative_limit(team, cluster):
    (account,) = provisioning.desired_accounts(cluster=cluster)

    assert account.name == team.slurm_account and account.name.startswith("gap-")
    assert account.users == frozenset({"alice"})
    assert account.gpu_minutes == team.granted_seconds // 60


def test_a_closed_grant_drops_to_what_was_used_and_its_users_go_after_the_grace(team, cluster, settings):
    UsageDaily.objects.create(grant=team, day=team.starts_on, gpu_seconds=7_260)
    Grant.objects.filter(pk=team.pk).update(status="closed")
    settings.SLURM_USER_GRACE_DAYS = 30
    last_day = team.ends_on - dt.timedelta(days=1)

    (during,) = provisioning.desired_accounts(cluster=cluster, today=last_day)
    (after,) = provisioning.desired_accounts(cluster=cluster, today=team.ends_on + dt.timedelta(days=30))

    assert (during.gpu_minutes, during.users) == (121, frozenset({"alice"}))
    assert (after.gpu_minutes, after.users) == (121, frozenset())


def test_members_without_a_cluster_user_name_are_not_provisioned(grant, alice, cluster):
    services.grant_member_add(grant=grant, user=alice, by=alice)

    assert provisioning.desired_accounts(cluster=cluster)[0].users == frozenset()


def test_only_the_pi_manages_the_team_and_only_with_the_applications_people(grant, alice, mallory, gigafactory):
    with pytest.raises(PermissionDenied):
        services.grant_member_add(grant=grant, user=mallory, by=mallory)
    with pytest.raises(ValidationError):
        services.grant_member_add(grant=grant, user=mallory, by=alice)


@pytest.mark.parametrize("name", ["Alice", "1alice", "al ice", "a" * 33, "root;rm"])
def test_cluster_user_names_must_be_posix(alice, gigafactory, name):
    with pytest.raises(ValidationError):
        services.cluster_username_set(user=alice, gigafactory=gigafactory, username=name)


def test_a_cluster_user_name_is_unique_per_gigafactory(alice, mallory, gigafactory):
    services.cluster_username_set(user=alice, gigafactory=gigafactory, username="alice")
    with pytest.raises(ValidationError):
        services.cluster_username_set(user=mallory, gigafactory=gigafactory, username="alice")


# --- the agent's API ------------------------------------------------------------------------------------------------


def test_the_desired_state_is_served_with_an_etag_and_a_304_when_unchanged(team, cluster, carol):
    api = cluster_api(cluster_token(cluster, by=carol))
    url = f"/api/v1/clusters/{cluster.name}/desired-state/"

    first = api.get(url)
    assert first.status_code == 200
    assert first.json()["accounts"][0]["users"] == ["alice"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    Grant.objects.filter(pk=team.pk).update(granted_seconds=team.granted_seconds + 3600)
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_token_reaches_only_its_own_cluster_and_users_are_refused(team, cluster, carol, alice):
    other = ClusterFactory(name="other", gigafactory=GigafactoryFactory(name="Other", slug="other"))
    api = cluster_api(cluster_token(other, by=carol))
    for tail in ("desired-state", "usage-cursor"):
        assert api.get(f"/api/v1/clusters/{cluster.name}/{tail}/").status_code == 404
    assert (
        api.post(f"/api/v1/clusters/{cluster.name}/provisioning-reports/", {"actions": []}, format="json").status_code
        == 404
    )
    user = APIClient()
    user.force_authenticate(alice)
    assert user.get(f"/api/v1/clusters/{cluster.name}/desired-state/").status_code == 403


def test_a_report_sets_the_status_per_account_and_the_heartbeat(team, cluster, carol):
    api = cluster_api(cluster_token(cluster, by=carol))
    action = {"kind": "add_user", "account": team.slurm_account, "user": "alice", "status": "failed", "message": "boom"}

    response = api.post(
        f"/api/v1/clusters/{cluster.name}/provisioning-reports/", {"actions": [action], "accounts": []}, format="json"
    )
    assert response.status_code == 201, response.content
    row = AccountProvisioning.objects.get(cluster=cluster, slurm_account=team.slurm_account)
    assert (row.status, row.message) == (ProvisioningStatus.FAILED, "boom")
    assert Cluster.objects.get(pk=cluster.pk).last_report_at is not None

    api.post(
        f"/api/v1/clusters/{cluster.name}/provisioning-reports/",
        {"actions": [{**action, "status": "applied"}], "accounts": [team.slurm_account]},
        format="json",
    )
    assert AccountProvisioning.objects.get(pk=row.pk).status == ProvisioningStatus.APPLIED
    assert ProvisioningReport.objects.filter(cluster=cluster).count() == 2


def test_bad_reports_and_cursors_are_400(cluster, carol):
    api = cluster_api(cluster_token(cluster, by=carol))
    bad = api.post(f"/api/v1/clusters/{cluster.name}/provisioning-reports/", {"actions": [{"kind": 1}]}, format="json")
    assert bad.status_code == 400
    assert (
        api.post(f"/api/v1/clusters/{cluster.name}/usage-cursor/", {"until": "soon"}, format="json").status_code == 400
    )


def test_the_usage_cursor_moves_forward_only_and_reads_in_the_clusters_time(grant, cluster, carol):
    api = cluster_api(cluster_token(cluster, by=carol))
    url = f"/api/v1/clusters/{cluster.name}/usage-cursor/"
    assert api.get(url).json()["since"] == f"{grant.starts_on.isoformat()}T00:00:00"

    assert api.post(url, {"until": "2026-11-02T10:00:00"}, format="json").status_code == 200
    api.post(url, {"until": "2026-11-01T10:00:00"}, format="json")

    assert api.get(url).json()["since"] == "2026-11-02T09:00:00"  # an hour of overlap, in Europe/Brussels


def test_a_silent_agent_is_alerted_once(cluster, carol, django_capture_on_commit_callbacks):
    now = timezone.now()
    Cluster.objects.filter(pk=cluster.pk).update(last_report_at=now - dt.timedelta(hours=3))

    with django_capture_on_commit_callbacks() as callbacks:
        assert services.silent_clusters_alert(now=now) == [cluster.name]
        assert services.silent_clusters_alert(now=now) == []
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("legal_name", "expected"),
    [("Université Côte d'Azur", "Universite Cote d Azur"), ("Ελληνικό Κέντρο Έρευνας", None)],
)
def test_the_organisation_is_a_value_sacctmgr_takes_whatever_its_script(team, cluster, legal_name, expected):
    """sacctmgr refuses an empty Organization=: accents are folded, and a name in another script gives way to the
    application's reference."""
    organisation = team.application.organisation
    organisation.short_name, organisation.legal_name = "", legal_name
    organisation.save(update_fields=["short_name", "legal_name"])
    (account,) = provisioning.desired_accounts(cluster=cluster)
    assert account.organization == (expected or team.application.reference)
