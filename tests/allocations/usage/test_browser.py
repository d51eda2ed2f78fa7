"""Browser: the grant's usage page draws the burn-down chart (no script or CSP error) and passes axe-core; the
staff import page for an allocation admin."""

import datetime as dt

import pytest

from allocations.models.usage import ClusterToken
from allocations.usage import services
from tests.conftest import assert_accessible, login
from tests.factories.usage import cluster_token, day_start


@pytest.mark.browser
def test_grant_usage_page_with_chart_and_table(page, grant, cluster, carol, alice):
    key = cluster_token(cluster, by=carol)
    start = day_start(grant.starts_on)
    records = [
        {
            "job_id": str(i),
            "account": grant.slurm_account,
            "user": "alice",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=1)).isoformat(),
            "gpus": 100,
        }
        for i in range(9)
    ]
    services.usage_records_push(token=ClusterToken.objects.get(key_hash=ClusterToken.hash(key)), records=records)
    login(page, alice.email)
    page.goto(f"/grants/{grant.pk}/usage/")
    page.wait_for_function("document.querySelector('canvas[data-usage-chart]').getAttribute('data-drawn') === 'yes'")
    assert page.locator("#usage-banner").is_visible()
    page.get_by_text("Show the burn-down as a table").click()
    assert page.locator("#burn-down-table tbody tr").count() >= 1
    assert_accessible(page, "usage-grant")


@pytest.mark.browser
def test_the_pi_registers_a_cluster_user_name_and_adds_herself_to_the_grant(page, grant, cluster, alice, gigafactory):
    login(page, alice.email)
    page.goto("/profile/cluster-user-names/")
    page.get_by_label("Gigafactory").select_option(str(gigafactory.pk))
    page.get_by_label("Your user name on its clusters").fill("alice")
    page.get_by_role("button", name="Save").click()
    assert page.locator("td code", has_text="alice").is_visible()
    assert_accessible(page, "cluster-user-names")

    page.goto(f"/grants/{grant.pk}/team/")
    page.get_by_label("Person").select_option(str(alice.pk))
    page.get_by_role("button", name="Add to the grant").click()
    assert page.locator("tbody code", has_text="alice").is_visible()
    assert page.get_by_role("link", name="sacctmgr script").is_visible()
    assert_accessible(page, "grant-team")


@pytest.mark.browser
def test_the_staff_page_of_a_cluster_agent(page, grant, cluster, carol):
    from tests.conftest import login_with_totp

    login_with_totp(page, carol)
    page.goto(f"/staff/usage/clusters/{cluster.name}/")
    assert page.get_by_text("The agent has never reported.").is_visible()
    assert_accessible(page, "cluster-agent")
