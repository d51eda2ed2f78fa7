"""The usage API and pages: cluster tokens push only their own cluster's records and read nothing; records and
grant usage are visible to the grant's team and the allocation admins only; the grant page and the API show the
same numbers; staff pages are for allocation admins (others 403/404); bad input gives 400, never 500."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from allocations.models.usage import ClusterToken, ImportStatus, UsageImport, UsageRecord
from allocations.usage import services
from tests.allocations.usage.conftest import HOUR
from tests.conftest import login_staff
from tests.factories import ClusterFactory, GigafactoryFactory, active_grant, sacct_upload
from tests.factories.usage import cluster_token, day_start, sacct_line


def record(grant, job_id="1", *, gpus=4, hours=1, **extra):
    start = day_start(grant.starts_on)
    return {
        "job_id": job_id,
        "account": grant.slurm_account,
        "user": "alice",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=hours)).isoformat(),
        "gpus": gpus,
        **extra,
    }


def cluster_api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Cluster {key}")
    return api


@pytest.fixture
def key(cluster, carol):
    return cluster_token(cluster, by=carol)


@pytest.fixture
def other_grant(carol):
    """A grant on another Gigafactory, with its own cluster."""
    elsewhere = GigafactoryFactory(name="Other AI Gigafactory", slug="other")
    ClusterFactory(name="other", gigafactory=elsewhere)
    return active_grant(by=carol, gigafactory=elsewhere, hours=500)


# --- push with a cluster token ----------------------------------------------------------------------------------


def test_a_cluster_pushes_records_of_its_accounts(grant, key):
    response = cluster_api(key).post(
        "/api/v1/usage/records/",
        [record(grant, "1"), record(grant, "2"), {"job_id": "3", "end": "2027-01-01T00:00:00"}],
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["rows_accepted"], body["rows_rejected"]) == ("succeeded", 2, 1)
    assert body["rejects"] == [{"line": 3, "reason": "missing_field", "detail": "start is missing"}]
    assert UsageRecord.objects.count() == 2
    assert ClusterToken.objects.get().last_used_at is not None


def test_a_cluster_token_cannot_post_another_clusters_accounts(grant, other_grant, key):
    response = cluster_api(key).post(
        "/api/v1/usage/records/", [record(grant, "1"), record(other_grant, "2")], format="json"
    )
    assert response.status_code == 403
    assert not UsageRecord.objects.exists() and not UsageImport.objects.exists()
    named = cluster_api(key).post("/api/v1/usage/records/", [record(grant, "3", cluster="other")], format="json")
    assert named.status_code == 403
    assert not UsageRecord.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/usage/records/",
        "/api/v1/usage/imports/",
        "/api/v1/grants/",
        "/api/v1/organisations/",
        "/api/v1/pools/",
    ],
)
def test_a_cluster_token_reads_nothing(grant, key, path):
    assert cluster_api(key).get(path).status_code in (401, 403)


def test_a_cluster_token_reads_no_grant_usage(grant, key):
    assert cluster_api(key).get(f"/api/v1/grants/{grant.pk}/usage/").status_code in (401, 403)
    assert cluster_api(key).post("/api/v1/usage/imports/", {}).status_code in (401, 403)


def test_revoked_and_unknown_tokens_are_refused(grant, key, carol):
    token = ClusterToken.objects.get()
    services.cluster_token_revoke(token=token, by=carol)
    assert cluster_api(key).post("/api/v1/usage/records/", [record(grant)], format="json").status_code == 401
    assert cluster_api("gapc_nope").post("/api/v1/usage/records/", [record(grant)], format="json").status_code == 401


def test_users_cannot_push_records(grant, alice, carol_api):
    api = APIClient()
    api.force_authenticate(alice)
    assert api.post("/api/v1/usage/records/", [record(grant)], format="json").status_code == 403
    assert carol_api.post("/api/v1/usage/records/", [record(grant)], format="json").status_code == 403


@pytest.mark.parametrize("body", [{"records": "nope"}, [], {"records": []}])
def test_bad_push_bodies_are_400(grant, key, body):
    response = cluster_api(key).post("/api/v1/usage/records/", body, format="json")
    assert response.status_code == 400
    assert "records" in response.json()


# --- imports API ------------------------------------------------------------------------------------------------


def test_admins_upload_a_file_and_get_202_with_the_import_url(grant, cluster, carol_api):
    upload = sacct_upload([sacct_line(account=grant.slurm_account, start=day_start(grant.starts_on))])
    response = carol_api.post("/api/v1/usage/imports/", {"cluster": "jupiter", "file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["url"] == f"/api/v1/usage/imports/{body['id']}/" and response["Location"] == body["url"]
    assert body["status"] == ImportStatus.QUEUED
    services.usage_import_process(import_id=body["id"])
    report = carol_api.get(body["url"]).json()
    assert (report["status"], report["rows_accepted"], report["rejects"]) == ("succeeded", 1, [])


def test_upload_errors_are_400(cluster, carol_api):
    assert carol_api.post("/api/v1/usage/imports/", {"cluster": "nope"}, format="multipart").status_code == 400
    response = carol_api.post(
        "/api/v1/usage/imports/", {"cluster": "jupiter", "file": sacct_upload([]), "format": "xml"}, format="multipart"
    )
    assert response.status_code == 400 and "format" in response.json()


def test_only_allocation_admins_use_the_imports_api(cluster, alice, bob, grant, carol):
    usage_import = services.usage_import_create(
        cluster=cluster, upload=sacct_upload([sacct_line(account="a", start=dt.datetime(2027, 1, 1))]), by=carol
    )
    for user, detail_status in ((alice, 404), (bob, 403)):
        api = APIClient()
        api.force_authenticate(user)
        assert api.get("/api/v1/usage/imports/").status_code == 403
        assert api.post("/api/v1/usage/imports/", {}, format="multipart").status_code == 403
        assert api.get(f"/api/v1/usage/imports/{usage_import.pk}/").status_code == detail_status


# --- records and grant usage ----------------------------------------------------------------------------------------


@pytest.fixture
def usage(grant, key):
    records = [record(grant, str(i), gpus=10, hours=1) for i in range(1, 6)]
    cluster_api(key).post("/api/v1/usage/records/", records, format="json")
    return grant


def test_records_for_the_team_and_admins_only(usage, alice, mallory, carol_api):
    alice_api = APIClient()
    alice_api.force_authenticate(alice)
    mine = alice_api.get(f"/api/v1/usage/records/?grant={usage.pk}")
    assert mine.status_code == 200 and mine.json()["count"] == 5
    assert carol_api.get("/api/v1/usage/records/").json()["count"] == 5
    mallory_api = APIClient()
    mallory_api.force_authenticate(mallory)
    assert mallory_api.get("/api/v1/usage/records/").json()["count"] == 0
    assert mallory_api.get(f"/api/v1/usage/records/?grant={usage.pk}").status_code == 404
    assert mallory_api.get(f"/api/v1/grants/{usage.pk}/usage/").status_code == 404
    assert APIClient().get("/api/v1/usage/records/").status_code in (401, 403)


def test_records_filter_by_day(usage, carol_api):
    day = usage.starts_on.isoformat()
    later = (usage.starts_on + dt.timedelta(days=1)).isoformat()
    assert carol_api.get(f"/api/v1/usage/records/?from={day}&to={day}").json()["count"] == 5
    assert carol_api.get(f"/api/v1/usage/records/?from={later}").json()["count"] == 0


@pytest.mark.parametrize("query", ["from=yesterday", "to=2027-02-30", "grant=abc", "from=2027-02-01&to=2027-01-01"])
def test_bad_record_filters_are_400(usage, carol_api, query):
    assert carol_api.get(f"/api/v1/usage/records/?{query}").status_code == 400


def test_record_list_query_budget(grant, key, carol_api, django_assert_max_num_queries):
    for count, first in ((3, 1), (200, 100)):
        cluster_api(key).post(
            "/api/v1/usage/records/", [record(grant, str(first + i)) for i in range(count)], format="json"
        )
        with django_assert_max_num_queries(6):
            response = carol_api.get("/api/v1/usage/records/?page_size=500")
        assert response.status_code == 200


def test_the_grant_page_and_the_api_show_the_same_numbers(usage, alice, client):
    api = APIClient()
    api.force_authenticate(alice)
    data = api.get(f"/api/v1/grants/{usage.pk}/usage/").json()
    assert (data["granted_seconds"], data["used_seconds"], data["remaining_seconds"]) == (
        1_000 * HOUR,
        50 * HOUR,
        950 * HOUR,
    )
    assert data["ledger_balance_seconds"] == data["remaining_seconds"]
    client.force_login(alice)
    page = client.get(f"/grants/{usage.pk}/usage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="usage-used" data-seconds="{data["used_seconds"]}"' in html
    assert f'id="usage-remaining" data-seconds="{data["remaining_seconds"]}"' in html
    assert f'data-status="{data["forecast"]["status"]}"' in html
    for day in data["days"]:
        assert f'<th scope="row"><time datetime="{day["day"]}">' in html
        assert f'data-seconds="{day["cumulative_seconds"]}"' in html
    assert 'id="usage-chart-data" type="application/json"' in html
    # the grant detail page of the capacity app shows the same panel
    assert 'id="usage-used"' in client.get(f"/grants/{usage.pk}/").content.decode()


def test_the_grant_page_is_404_for_others(usage, mallory, client):
    client.force_login(mallory)
    assert client.get(f"/grants/{usage.pk}/usage/").status_code == 404
    assert client.get("/grants/999999/usage/").status_code == 404


def test_the_banner_shows_after_80_percent(grant, key, alice, client):
    cluster_api(key).post(
        "/api/v1/usage/records/", [record(grant, str(i), gpus=100, hours=1) for i in range(9)], format="json"
    )
    client.force_login(alice)
    html = client.get(f"/grants/{grant.pk}/usage/").content.decode()
    assert 'id="usage-banner"' in html and "80%" in html


# --- staff pages ----------------------------------------------------------------------------------------------------

STAFF_PAGES = ["/staff/usage/", "/staff/usage/clusters/"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_for_allocation_admins_only(path, cluster, carol_client, client, alice, bob, dora):
    assert carol_client.get(path).status_code == 200
    for user, expected in ((alice, 404), (bob, 403), (dora, 403)):
        if user is alice:
            client.force_login(user)
        else:
            login_staff(client, user)
        assert client.get(path).status_code == expected, user


def test_upload_page_and_import_report(grant, cluster, carol_client, carol):
    bad = carol_client.post("/staff/usage/", {"cluster": cluster.pk})
    assert bad.status_code == 400
    lines = [sacct_line(account=grant.slurm_account, start=day_start(grant.starts_on)), "broken line"]
    response = carol_client.post("/staff/usage/", {"cluster": cluster.pk, "file": sacct_upload(lines)})
    assert response.status_code == 302
    usage_import = UsageImport.objects.get()
    assert response["Location"] == f"/staff/usage/imports/{usage_import.pk}/"
    polling = carol_client.get(f"/staff/usage/imports/{usage_import.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polling.content.decode()
    services.usage_import_process(import_id=usage_import.pk)
    done = carol_client.get(f"/staff/usage/imports/{usage_import.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()
    page = carol_client.get(f"/staff/usage/imports/{usage_import.pk}/").content.decode()
    assert 'id="rows-accepted">1<' in page and 'id="rows-rejected">1<' in page
    assert '<th scope="row">2</th><td>Malformed line</td>' in page


def test_imports_page_query_budget(grant, cluster, carol, carol_client, django_assert_max_num_queries):
    for count in (2, 30):
        for _ in range(count):
            services.usage_import_create(cluster=cluster, upload=sacct_upload(["x"]), by=carol)
        with django_assert_max_num_queries(16):
            assert carol_client.get("/staff/usage/").status_code == 200


def test_clusters_page_issues_a_token_shown_once(gigafactory, cluster, carol_client):
    response = carol_client.post(
        "/staff/usage/clusters/", {"form": "token", "token-cluster": cluster.pk, "token-name": "slurmdbd"}
    )
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("gapc_") and ClusterToken.objects.get().key_hash == ClusterToken.hash(key)
    assert key not in carol_client.get("/staff/usage/clusters/").content.decode()
    created = carol_client.post(
        "/staff/usage/clusters/",
        {
            "form": "cluster",
            "cluster-name": "booster",
            "cluster-gigafactory": gigafactory.pk,
            "cluster-time_zone": "Mars/Olympus",
        },
    )
    assert created.status_code == 400
