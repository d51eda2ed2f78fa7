"""Allocation with guidance: each pool's demand before a run, why a run found nobody, no commit when there is
nothing to commit, a confirmation before the irreversible commit; pool sizes and accelerators read as numbers."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from allocations.applications.workflow import Status
from allocations.capacity import services
from allocations.models.capacity import AllocationRun, RunStatus
from tests.factories import ApplicationFactory, GigafactoryFactory, approved_application, open_pool, period_with_pools
from tests.factories.allocations import access_mode


@pytest.fixture
def empty_pool(carol, call, gigafactory):
    """A Large Scale pool of 2027 Q1 with no candidate, and applications that miss it for every reason."""
    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    elsewhere = GigafactoryFactory(name="Saturn AI Gigafactory", slug="saturn")
    approved_application(call=call, requested=5_000, rank=1, gigafactory=elsewhere)
    late = approved_application(call=call, requested=5_000, rank=2)
    late.start_month = dt.date(2027, 7, 1)
    late.save(update_fields=["start_month"])
    ApplicationFactory(call=call, status=Status.PANEL, reference="GAP-2027-000777", submitted_at=period.created_at)
    return open_pool(period)


def _run(pool, carol) -> AllocationRun:
    run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
    services.run_execute(run_id=run.pk)
    return AllocationRun.objects.get(pk=run.pk)


def test_a_run_that_finds_nobody_says_why_and_offers_no_commit(carol_client, carol, empty_pool):
    run = _run(empty_pool, carol)
    assert run.status == RunStatus.SUCCEEDED
    html = carol_client.get(reverse("capacity_run_detail", args=[run.pk])).content.decode()
    assert "No application matched this pool" in html
    assert "1 Large Scale application is still being checked, reviewed or at the panel (not approved yet)." in html
    assert "1 approved application prefers another Gigafactory" in html
    assert "1 approved application starts after this quarter (Jupiter AI Gigafactory 2027 Q1)." in html
    assert "Commit and send offers" not in html
    assert "Nothing to commit" in html
    assert f'action="/staff/allocation/runs/{run.pk}/discard/"' in html


def test_a_run_without_any_approved_application_says_so(carol_client, carol, gigafactory):
    pool = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40))
    html = carol_client.get(reverse("capacity_run_detail", args=[_run(pool, carol).pk])).content.decode()
    assert "No Large Scale application is approved by a panel yet." in html


def test_the_commit_asks_for_confirmation_without_javascript(carol_client, carol, pool_setup):
    run = _run(pool_setup["pool"], carol)
    html = carol_client.get(reverse("capacity_run_detail", args=[run.pk])).content.decode()
    assert 'name="confirm" value="yes" id="confirm-commit" required' in html
    assert "send 2 offers now. A commit cannot be undone." in html
    refused = carol_client.post(reverse("capacity_run_commit", args=[run.pk]))
    assert refused.status_code == 400 and "Tick the box to confirm" in refused.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and not run.grants.exists()
    assert carol_client.post(reverse("capacity_run_commit", args=[run.pk]), {"confirm": "yes"}).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.COMMITTED


def test_each_pool_shows_its_demand_before_a_run(carol_client, carol, pool_setup):
    html = carol_client.get(reverse("capacity_period_detail", args=[pool_setup["period"].pk])).content.decode()
    demand = html.split('class="text-end pool-demand">', 1)[1].split("</td>", 1)[0]
    assert "105,000" in demand and "4 approved applications" in demand


def test_pool_sizes_are_whole_gpu_hours_and_accelerators_are_grouped(carol_client, carol, gigafactory, call):
    # Shares of 33.33 % and 66.67 % of a 1,234-accelerator quarter are not whole hours.
    period = period_with_pools(
        by=carol,
        gigafactory=gigafactory,
        accelerators=1234,
        open_shares={access_mode("large-scale").pk: 3333, access_mode("fast-lane").pk: 6667},
    )
    html = carol_client.get(reverse("capacity_period_detail", args=[period.pk])).content.decode()
    assert "1,234" in html
    pools = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert any(pool.size_seconds % 3600 for pool in period.pools.all())  # not whole hours in GPU-seconds
    assert not re.search(r"\d,\d{3}\.\d<", pools), pools
    home = carol_client.get(reverse("capacity_home")).content.decode()
    assert "1,234" in home and not re.search(r"\d,\d{3}\.\d ", home.split("<tbody>", 1)[1])
