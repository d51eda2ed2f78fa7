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
