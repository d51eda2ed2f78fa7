"""Capacity pages and API: permissions per object (404 for strangers, 403 for staff without the role or members
who are not the PI), forms that re-render with errors, the htmx status fragment and query budgets."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from allocations.capacity import services
from allocations.models.capacity import AllocationRun, CapacityPeriod, Grant, GrantStatus, RunStatus
from tests.conftest import login_staff
from tests.factories import UserFactory, approved_application, contributions_paid, open_pool, period_with_pools
from tests.factories.allocations import access_mode

STAFF_PAGES = ["capacity_home", "capacity_period_create"]


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def offered(pool_setup, carol):
    run = services.run_create(pool=pool_setup["pool"], policy="rank_greedy", by=carol)
    services.run_execute(run_id=run.pk)
    services.run_commit(run_id=run.pk, by=carol)
    return {**pool_setup, "run": run, "grant": Grant.objects.get(application=pool_setup["apps"][0])}


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_404_for_applicants_403_for_other_staff(client, alice, bob, name):
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 404
    reviewer = UserFactory(email="rev@eurohpc.eu", roles=["reviewer"])
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(reviewer, generate_totp_secret())
    login_staff(client, reviewer)
    assert client.get(reverse(name)).status_code == 403


def test_staff_pages_need_mfa(client, alice_org):
    admin = UserFactory(email="nomfa@eurohpc.eu", roles=["allocation admin"])
    client.force_login(admin)
    response = client.get(reverse("capacity_home"))
    assert response.status_code == 302 and "totp" in response["Location"]


def test_carol_creates_a_period_and_bad_input_re_renders(carol_client, gigafactory):
    response = carol_client.post(
        reverse("capacity_period_create"),
        {"gigafactory": gigafactory.pk, "year": 2027, "quarter": 9, "reserve_percent": 5},
    )
    assert response.status_code == 400 and "quarter" in response.context["form"].errors
    data = {"gigafactory": gigafactory.pk, "year": 2027, "quarter": 2, "reserve_percent": 5, "accelerators": 40}
    response = carol_client.post(reverse("capacity_period_create"), data)
    period = CapacityPeriod.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("capacity_period_detail", args=[period.pk])
    response = carol_client.post(reverse("capacity_period_create"), data)
    assert response.status_code == 400
    assert "already has a capacity period" in str(response.context["form"].errors)


def test_carol_splits_a_period_by_the_eu_share_and_over_100_percent_is_a_form_error(
    carol_client, carol, dora, gigafactory
):
    _eu, investor = contributions_paid(by=dora)  # the EU paid 75 %: the open calls get the 50 % cap
    period = services.period_create(gigafactory=gigafactory, year=2027, quarter=1, reserve_percent=5, by=carol)
    url = reverse("capacity_period_detail", args=[period.pk])
    arithmetic = carol_client.get(url).content.decode()
    assert "75.00% of the contributions" in arithmetic and "the open calls get 50.00%" in arithmetic
    large, fast = access_mode("large-scale"), access_mode("fast-lane")
    today = timezone.localdate().isoformat()
    response = carol_client.post(url, {f"mode_{large.pk}": "80", f"mode_{fast.pk}": "30", "entitlements_on": today})
    assert response.status_code == 400
    response = carol_client.post(url, {f"mode_{large.pk}": "80", f"mode_{fast.pk}": "20", "entitlements_on": today})
    assert response.status_code == 302
    page = carol_client.get(url)
    assert page.status_code == 200 and page.context["pool_total"] == period.capacity_seconds
    sizes = {p.owner_name: p.size_seconds for p in page.context["pools"]}
    open_total = sizes[str(large)] + sizes[str(fast)]
    assert abs(2 * open_total - period.capacity_seconds) <= 1 and abs(sizes[str(large)] - open_total * 8 // 10) <= 1
    assert set(sizes) == {str(large), str(fast), investor.name}  # the EU's share is the open calls, not a pool
    assert sizes[investor.name] == period.capacity_seconds - open_total


def test_run_pages_poll_until_finished_then_show_explained_results(carol_client, pool_setup, carol):
    pool = pool_setup["pool"]
    response = carol_client.post(reverse("capacity_run_create", args=[pool.pk]), {"policy": "rank_greedy"})
    run = AllocationRun.objects.get()
    assert response["Location"] == reverse("capacity_run_detail", args=[run.pk])
    fragment = carol_client.get(reverse("capacity_run_status", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in fragment.content.decode() and "HX-Refresh" not in fragment
    services.run_execute(run_id=run.pk)
    fragment = carol_client.get(reverse("capacity_run_status", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    page = carol_client.get(reverse("capacity_run_detail", args=[run.pk]))
    assert "granted 19,984 because the pool was exhausted" in page.content.decode()
    unconfirmed = carol_client.post(reverse("capacity_run_commit", args=[run.pk]))
    assert unconfirmed.status_code == 400 and "Tick the box to confirm" in unconfirmed.content.decode()
    assert AllocationRun.objects.get().status == RunStatus.SUCCEEDED
    assert carol_client.post(reverse("capacity_run_commit", args=[run.pk]), {"confirm": "yes"}).status_code == 302
    assert AllocationRun.objects.get().status == RunStatus.COMMITTED
    again = carol_client.post(reverse("capacity_run_commit", args=[run.pk]), {"confirm": "yes"})
    assert again.status_code == 400 and "already committed" in again.content.decode()


def test_unknown_objects_are_404(carol_client):
    for name in ("capacity_period_detail", "capacity_run_detail", "capacity_run_status"):
        assert carol_client.get(reverse(name, args=[999])).status_code == 404


def test_my_grants_shows_only_my_organisations_grants_and_the_pi_answers(client, offered, alice, mallory, alice_org):
    grant = offered["grant"]
    client.force_login(mallory)
    assert client.get(reverse("grant_detail", args=[grant.pk])).status_code == 404
    assert client.post(reverse("grant_respond", args=[grant.pk]), {"answer": "accept"}).status_code == 404
    assert list(client.get(reverse("grant_list")).context["grants"]) == []
    client.force_login(alice)
    page = client.get(reverse("grant_detail", args=[grant.pk]))
    assert page.context["can_answer"] and "granted in full" in page.content.decode()
    assert client.post(reverse("grant_respond", args=[grant.pk]), {"answer": "accept"}).status_code == 302
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.ACCEPTED


def test_a_member_who_is_not_the_pi_gets_403_from_the_api(offered, alice_org):
    from tests.factories import MembershipFactory

    colleague = UserFactory(email="max@aurora-ai.eu")
    MembershipFactory(organisation=alice_org, user=colleague, role="member")
    api = _api(colleague)
    grant = offered["grant"]
    assert api.get(f"/api/v1/grants/{grant.pk}/").status_code == 200
    assert api.post(f"/api/v1/grants/{grant.pk}/accept/").status_code == 403
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.OFFERED


def test_api_period_run_commit_and_accept(carol_api, alice, gigafactory, call, carol, alice_org):
    response = carol_api.post(
        "/api/v1/capacity-periods/", {"gigafactory": "jupiter", "year": 2027, "quarter": 1, "reserve_percent": 150}
    )
    assert response.status_code == 400 and "reserve_percent" in response.json()
    response = carol_api.post(
        "/api/v1/capacity-periods/",
        {"gigafactory": "jupiter", "year": 2027, "quarter": 1, "reserve_percent": 10, "accelerators": 40},
    )
    assert response.status_code == 201, response.json()
    period = CapacityPeriod.objects.get()
    services.period_split(
        period_id=period.pk,
        open_shares_bp={access_mode().pk: 10_000},
        entitlements_on=period.created_at.date(),
        by=carol,
    )
    mine = approved_application(call=call, requested=50_000, minimum=30_000, rank=1, organisation=alice_org, pi=alice)
    pools = carol_api.get("/api/v1/pools/").json()["results"]
    assert [p["access_mode"] for p in pools] == ["large-scale"]
    response = carol_api.post("/api/v1/allocation-runs/", {"pool": pools[0]["id"], "policy": "rank_greedy"})
    assert response.status_code == 202 and response["Location"] == response.json()["url"]
    run_id = response.json()["id"]
    services.run_execute(run_id=run_id)
    detail = carol_api.get(f"/api/v1/allocation-runs/{run_id}/").json()
    assert detail["status"] == "succeeded"
    assert detail["results"][0]["explanation"] == "ranked 1 of 1; asked 50,000 GPU-h; granted in full"
    assert carol_api.post(f"/api/v1/allocation-runs/{run_id}/commit/").json()["status"] == "committed"
    assert carol_api.post(f"/api/v1/allocation-runs/{run_id}/commit/").status_code == 400
    alice_api = _api(alice)
    grants = alice_api.get("/api/v1/grants/").json()["results"]
    assert [g["application"] for g in grants] == [mine.reference]
    assert alice_api.post(f"/api/v1/grants/{grants[0]['id']}/accept/").json()["status"] == "accepted"
    assert alice_api.post(f"/api/v1/grants/{grants[0]['id']}/decline/").status_code == 400


def test_api_permissions(offered, alice, mallory, bob):
    run = offered["run"]
    for user, code in ((alice, 404), (mallory, 404)):
        api = _api(user)
        assert api.get("/api/v1/capacity-periods/").status_code == code
        assert api.get(f"/api/v1/allocation-runs/{run.pk}/").status_code == code
        assert api.post(f"/api/v1/allocation-runs/{run.pk}/discard/").status_code == code
        assert api.get("/api/v1/pools/").json()["results"] == []
    api = _api(bob)
    assert api.get("/api/v1/capacity-periods/").status_code == 403
    assert (
        api.post("/api/v1/allocation-runs/", {"pool": offered["pool"].pk, "policy": "rank_greedy"}).status_code == 403
    )
    assert _api(mallory).get(f"/api/v1/grants/{offered['grant'].pk}/").status_code == 404
    assert APIClient().get("/api/v1/grants/").status_code in (401, 403)


@pytest.mark.parametrize("count", [2, 40])
def test_query_budgets_of_lists(
    count, carol, carol_client, carol_api, alice, alice_org, call, gigafactory, django_assert_max_num_queries
):
    for quarter in range(1, 3 if count == 2 else 5):
        period_with_pools(by=carol, gigafactory=gigafactory, quarter=quarter, accelerators=400)
    period = CapacityPeriod.objects.order_by("quarter").first()
    for index in range(count):
        approved_application(call=call, requested=1_000, rank=index + 1, organisation=alice_org, pi=alice)
    run = services.run_create(pool=open_pool(period), policy="rank_greedy", by=carol)
    services.run_execute(run_id=run.pk)
    services.run_commit(run_id=run.pk, by=carol)
    with django_assert_max_num_queries(12):
        assert carol_client.get(reverse("capacity_home")).status_code == 200
    with django_assert_max_num_queries(14):
        assert carol_client.get(reverse("capacity_run_detail", args=[run.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert carol_api.get("/api/v1/capacity-periods/").status_code == 200
    with django_assert_max_num_queries(10):
        assert carol_api.get("/api/v1/pools/").status_code == 200
    with django_assert_max_num_queries(12):
        assert carol_api.get(f"/api/v1/allocation-runs/{run.pk}/").status_code == 200
    carol_client.force_login(alice)
    with django_assert_max_num_queries(10):
        assert carol_client.get(reverse("grant_list")).status_code == 200
    alice_api = _api(alice)
    with django_assert_max_num_queries(8):
        assert len(alice_api.get("/api/v1/grants/").json()["results"]) == count


def test_schema_documents_the_capacity_api_without_warnings(tmp_path):
    import yaml
    from django.core.management import call_command
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(target))
    assert list(GENERATOR_STATS._error_cache) == []
    mine = ("capacity", "Pool", "AllocationRun", "Grant", "Outcome")
    assert [w for w in GENERATOR_STATS._warn_cache if any(word in w for word in mine)] == []
    schema = yaml.safe_load(target.read_text())
    for path in (
        "/api/v1/capacity-periods/",
        "/api/v1/pools/",
        "/api/v1/allocation-runs/{id}/commit/",
        "/api/v1/grants/{id}/accept/",
    ):
        assert path in schema["paths"]
    assert set(schema["components"]["schemas"]["GrantStatusEnum"]["enum"]) >= {"offered", "accepted", "expired"}
