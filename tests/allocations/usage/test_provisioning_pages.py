"""Provisioning pages: the grant's team page, the sacctmgr script, cluster user names and the staff cluster page."""

import pytest

from allocations.models.provisioning import ClusterUsername, GrantMember
from allocations.usage.services import provisioning as services
from tests.allocations.usage.test_api_and_pages import cluster_api
from tests.conftest import login_staff
from tests.factories.usage import cluster_token


def test_the_pi_adds_and_removes_a_member_on_the_team_page(grant, alice, client, cluster):
    client.force_login(alice)
    grant_page = client.get(f"/grants/{grant.pk}/").content.decode()
    assert f'href="/grants/{grant.pk}/team/"' in grant_page  # reached from "My grants", not only by its address
    page = client.get(f"/grants/{grant.pk}/team/")
    assert page.status_code == 200 and "sacctmgr script" in page.content.decode()

    response = client.post(f"/grants/{grant.pk}/team/", {"action": "add", "user": alice.pk})
    assert response.status_code == 302
    assert GrantMember.objects.filter(application=grant.application, user=alice).exists()

    client.post(f"/grants/{grant.pk}/team/", {"action": "remove", "user": alice.pk})
    assert not GrantMember.objects.exists()


def test_adding_someone_outside_the_team_re_renders_with_an_error(grant, alice, mallory, client):
    client.force_login(alice)
    response = client.post(f"/grants/{grant.pk}/team/", {"action": "add", "user": mallory.pk})
    assert response.status_code == 400
    assert not GrantMember.objects.exists()


def test_others_cannot_see_or_change_the_team(grant, alice, mallory, client):
    client.force_login(mallory)
    assert client.get(f"/grants/{grant.pk}/team/").status_code == 404
    assert client.post(f"/grants/{grant.pk}/team/", {"action": "add", "user": mallory.pk}).status_code == 404
    assert client.get(f"/grants/{grant.pk}/sacctmgr/jupiter.sh").status_code == 404


def test_a_team_member_who_is_not_the_pi_cannot_change_the_team(grant, alice, alice_org, client):
    from accounts.models import MembershipRole
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory(email="colleague@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague, role=MembershipRole.MEMBER)
    client.force_login(colleague)
    assert client.get(f"/grants/{grant.pk}/team/").status_code == 200
    assert client.post(f"/grants/{grant.pk}/team/", {"action": "add", "user": alice.pk}).status_code == 403


def test_the_sacctmgr_script_creates_the_account_with_its_limit_and_members(grant, alice, gigafactory, cluster, client):
    services.cluster_username_set(user=alice, gigafactory=gigafactory, username="alice")
    services.grant_member_add(grant=grant, user=alice, by=alice)
    client.force_login(alice)

    response = client.get(f"/grants/{grant.pk}/sacctmgr/{cluster.name}.sh")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{grant.slurm_account}-{cluster.name}.sh"'
    commands = [line for line in response.content.decode().splitlines() if line.startswith("sacctmgr")]
    assert commands[0].startswith(f"sacctmgr -i add account {grant.slurm_account} ")
    assert commands[0].endswith(f"GrpTRESMins=gres/gpu={grant.granted_seconds // 60}")
    assert commands[1] == f"sacctmgr -i add user alice account={grant.slurm_account}"


def test_a_person_registers_a_cluster_user_name(alice, gigafactory, client):
    client.force_login(alice)
    assert client.get("/profile/cluster-user-names/").status_code == 200

    bad = client.post("/profile/cluster-user-names/", {"gigafactory": gigafactory.pk, "username": "Alice Smith"})
    assert bad.status_code == 400 and not ClusterUsername.objects.exists()
    client.post("/profile/cluster-user-names/", {"gigafactory": gigafactory.pk, "username": "asmith"})
    assert ClusterUsername.objects.get(user=alice).username == "asmith"


def test_the_staff_cluster_page_shows_heartbeat_and_drift(grant, cluster, carol, carol_client, client, alice, bob):
    drift = [{"kind": "add_user", "account": grant.slurm_account, "user": "x", "command": "sacctmgr -i add user x"}]
    cluster_api(cluster_token(cluster, by=carol)).post(
        f"/api/v1/clusters/{cluster.name}/provisioning-reports/", {"actions": [], "drift": drift}, format="json"
    )

    html = carol_client.get(f"/staff/usage/clusters/{cluster.name}/").content.decode()

    assert "Reporting: last run at" in html and "sacctmgr -i add user x" in html
    for user, expected in ((alice, 404), (bob, 403)):
        if user is alice:
            client.force_login(user)
        else:
            login_staff(client, user)
        assert client.get(f"/staff/usage/clusters/{cluster.name}/").status_code == expected


@pytest.mark.parametrize("path", ["/staff/usage/clusters/nope/", "/grants/999999/team/"])
def test_unknown_objects_are_404(path, carol_client):
    assert carol_client.get(path).status_code == 404
