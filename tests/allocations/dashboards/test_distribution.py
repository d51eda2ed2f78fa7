"""Who gets the compute reads the usage summary, which carries each grant's status, hours and attributes: its numbers
equal a recomputation from the live grants as of the last refresh (also filtered), and a change to a grant shows
after the next refresh, the lag the page states with its "as of" time."""

import pytest

from allocations.dashboards.services import usage_summary_refresh
from allocations.models.capacity import Grant, GrantStatus
from allocations.models.usage import UsageDaily

HOLDING = {GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED}


def expected(grants) -> dict:
    """Grants, granted and used GPU-seconds per dimension, recomputed in Python from the live tables."""
    out = {"country": {}, "organisation_type": {}, "access_mode": {}, "ai_domain": {}, "call": {}, "total": [0, 0, 0]}
    used_by_grant: dict[int, int] = {}
    for grant_id, seconds in UsageDaily.objects.values_list("grant_id", "gpu_seconds"):
        used_by_grant[grant_id] = used_by_grant.get(grant_id, 0) + seconds
    for grant in grants:
        if grant.status not in HOLDING:
            continue
        used = used_by_grant.get(grant.pk, 0)
        app = grant.application
        keys = {
            "country": str(app.organisation.country),
            "organisation_type": app.organisation.type,
            "access_mode": app.call.access_mode.code,
            "ai_domain": app.ai_domain,
            "call": app.call_id,
        }
        for dimension, key in keys.items():
            row = out[dimension].setdefault(key, [0, 0, 0])
            row[0] += 1
            row[1] += grant.granted_seconds
            row[2] += used
        out["total"][0] += 1
        out["total"][1] += grant.granted_seconds
        out["total"][2] += used
    return out


def _live_grants():
    return Grant.objects.select_related("application__organisation", "application__call__access_mode")


def _shares(rows) -> dict:
    return {r["key"]: [r["grants"], r["granted_seconds"], r["used_seconds"]] for r in rows}


def _check(data, want) -> None:
    assert _shares(data["by_country"]) == want["country"]
    assert _shares(data["by_organisation_type"]) == want["organisation_type"]
    assert _shares(data["by_access_mode"]) == want["access_mode"]
    assert _shares(data["by_ai_domain"]) == want["ai_domain"]
    total = data["total"]
    assert [total["grants"], total["granted_seconds"], total["used_seconds"]] == want["total"]
    for demand in data["demand"]:
        assert demand["granted_seconds"] == want["call"].get(demand["call_id"], [0, 0, 0])[1]


def test_distribution_equals_recomputation_on_the_bulk_data(carol_api, large):
    _check(carol_api.get("/api/v1/stats/distribution/").json(), expected(_live_grants()))


@pytest.mark.parametrize("name", ["gigafactory", "period", "call", "mode"])
def test_filtered_distribution_equals_recomputation(carol_api, large, name):
    grant = _live_grants().filter(status__in=HOLDING).order_by("pk").first()
    value, narrowed = {
        "gigafactory": (grant.gigafactory.slug, {"gigafactory": grant.gigafactory}),
        "period": (f"{grant.period.year}-Q{grant.period.quarter}", {"period__year": grant.period.year}),
        "call": (grant.application.call.slug, {"application__call": grant.application.call}),
        "mode": (
            grant.application.call.access_mode.code,
            {"application__call__access_mode": grant.application.call.access_mode},
        ),
    }[name]
    if name == "period":
        narrowed["period__quarter"] = grant.period.quarter
    data = carol_api.get("/api/v1/stats/distribution/", {name: value}).json()
    want = expected(_live_grants().filter(**narrowed))
    assert want["total"][0] > 0
    _check(data, want)


def test_grant_changes_show_after_the_next_refresh(carol_api, seeded):
    grant = seeded["grants"][1]  # the SME in France: 2,000 GPU-hours, 500 used
    before = carol_api.get("/api/v1/stats/distribution/").json()
    assert {r["key"] for r in before["by_country"]} == {"EE", "FR", "PT", "NL"}
    Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.DECLINED)
    stale = carol_api.get("/api/v1/stats/distribution/").json()
    assert stale["total"] == before["total"] and stale["as_of"] == before["as_of"]
    usage_summary_refresh(trigger="test")
    after = carol_api.get("/api/v1/stats/distribution/").json()
    assert after["as_of"] != before["as_of"]
    assert {r["key"] for r in after["by_country"]} == {"EE", "PT", "NL"}
    assert after["total"]["granted_seconds"] == before["total"]["granted_seconds"] - 2_000 * 3600
    assert after["total"]["used_seconds"] == before["total"]["used_seconds"] - 500 * 3600
    _check(after, expected(_live_grants()))


def test_page_says_grants_are_as_of_the_refresh(carol_client, seeded):
    body = carol_client.get("/staff/dashboards/distribution/").content.decode()
    assert "Grants and GPU use as of" in body
