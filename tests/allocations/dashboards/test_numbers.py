"""The dashboards' numbers equal independent recomputations in Python over the seeded data set (grants, usage,
reclaims, funnel stages, percentiles), on the pages, in the CSV and in the stats API."""

import csv
import io
import math

from django.utils import timezone

from allocations.applications.workflow import Action, Status
from allocations.dashboards.services import usage_summary_refresh
from allocations.dashboards.tasks import refresh_usage_summary
from allocations.models import Application, ApplicationEvent
from allocations.models.capacity import CapacityPeriod, Grant, GrantStatus, Pool
from allocations.models.usage import UsageDaily, UsageReclaim
from tests.conftest import login_staff

HOLDING = {GrantStatus.OFFERED, GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED}
ACCEPTED = {GrantStatus.ACCEPTED, GrantStatus.ACTIVE, GrantStatus.CLOSED}


def percentile_cont(values, q):
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    values = sorted(values)
    if not values:
        return None
    position = q * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def expected_overview():
    rows = {}
    for period in CapacityPeriod.objects.all():
        grants = list(Grant.objects.filter(period=period))
        used = sum(d.gpu_seconds for d in UsageDaily.objects.filter(grant__in=grants))
        accepted = sum(g.granted_seconds for g in grants if g.status in ACCEPTED)
        reclaimed = sum(r.amount_seconds for r in UsageReclaim.objects.filter(period=period))
        rows[period.pk] = {
            "capacity_seconds": period.capacity_seconds,
            "pooled_seconds": sum(p.size_seconds for p in Pool.objects.filter(period=period)),
            "granted_seconds": sum(g.granted_seconds for g in grants if g.status in HOLDING),
            "accepted_seconds": accepted,
            "used_seconds": used,
            "reclaimed_seconds": reclaimed,
            "remaining_seconds": max(accepted - used - reclaimed, 0),
            "utilisation_permille": used * 1000 // accepted if accepted else None,
        }
    return rows


def test_overview_api_equals_recomputation(carol_api, seeded):
    data = carol_api.get("/api/v1/stats/overview/").json()
    expected = expected_overview()
    assert {row["period_id"] for row in data["rows"]} == set(expected)
    for row in data["rows"]:
        for key, value in expected[row["period_id"]].items():
            assert row[key] == value, key
    # The seeded usage: 100 + 500 GPU-hours of 6,500 accepted; 100 GPU-hours reclaimed.
    assert sum(r["used_seconds"] for r in data["rows"]) == 600 * 3600
    assert data["total"]["accepted_seconds"] == 6_500 * 3600
    assert data["total"]["reclaimed_seconds"] == 100 * 3600


def test_overview_page_shows_the_same_numbers(carol_client, seeded):
    response = carol_client.get("/staff/dashboards/")
    table = response.context["tables"][0]
    expected = expected_overview()
    for row in table.rows:
        assert row["granted"] == expected[row["key"]]["granted_seconds"]
        assert row["used"] == expected[row["key"]]["used_seconds"]
        assert row["utilisation"] == expected[row["key"]]["utilisation_permille"]
    assert "6,500" in response.content.decode()  # accepted GPU-hours in the table
    # The CSV of the same table: whole GPU-hours.
    export = carol_client.get("/staff/dashboards/?export=overview")
    lines = list(csv.reader(io.StringIO(export.content.decode())))
    assert lines[0][0] == "Gigafactory"
    accepted_column = lines[0].index("Accepted (GPU-h)")
    assert lines[1][accepted_column] == "6500"


def test_usage_comes_from_the_summary_until_refreshed(carol_api, seeded):
    grant = seeded["grants"][2]
    UsageDaily.objects.create(grant=grant, day=grant.starts_on, gpu_seconds=7 * 3600, posted_seconds=0, jobs=1)
    before = carol_api.get("/api/v1/stats/overview/").json()["total"]["used_seconds"]
    assert before == 600 * 3600
    assert refresh_usage_summary(trigger="test") == Grant.objects.count()
    after = carol_api.get("/api/v1/stats/overview/").json()
    assert after["total"]["used_seconds"] == 607 * 3600
    assert after["as_of"] is not None
    # Idempotent: a second refresh changes nothing.
    usage_summary_refresh()
    assert carol_api.get("/api/v1/stats/overview/").json()["total"] == after["total"]


def test_filters_narrow_the_numbers(carol_api, seeded):
    secret = carol_api.get("/api/v1/stats/overview/?call=large-scale-defence").json()
    assert secret["total"]["accepted_seconds"] == 500 * 3600
    none = carol_api.get("/api/v1/stats/overview/?gigafactory=alps").json()
    assert none["rows"] == []


def test_funnel_counts_and_times(carol_api, seeded):
    data = carol_api.get("/api/v1/stats/funnel/?call=large-scale-2027").json()
    apps = list(Application.objects.filter(call=seeded["call"]))
    totals = data["totals"]
    assert totals["drafts"] == sum(a.status == Status.DRAFT for a in apps) == 1
    assert totals["submitted"] == sum(a.submitted_at is not None for a in apps) == 5
    assert totals["approved"] == sum(a.status == Status.ACTIVE for a in apps) == 3
    assert totals["accepted"] == 3
    assert totals["eligible"] == 4  # the three grants and the rejected one; not the one still submitted
    assert data["success_permille"] == 3 * 1000 // 5
    decisions = []
    first_use = []
    for app in apps:
        event = ApplicationEvent.objects.filter(application=app, action=Action.APPROVE).first()
        if event:
            decisions.append((event.created_at - app.submitted_at).total_seconds())
        days = [d.day for d in UsageDaily.objects.filter(grant__application=app, gpu_seconds__gt=0)]
        if days:
            first_use.append((min(days) - timezone.localtime(app.submitted_at).date()).days * 86400)
    rows_with_times = [r for r in data["rows"] if r["decision_p50_seconds"] is not None]
    assert len(rows_with_times) == 1
    row = rows_with_times[0]
    assert abs(row["decision_p50_seconds"] - percentile_cont(decisions, 0.5)) <= 1
    assert abs(row["decision_p90_seconds"] - percentile_cont(decisions, 0.9)) <= 1
    assert row["first_use_p50_seconds"] == round(percentile_cont(first_use, 0.5))
    assert row["first_use_p90_seconds"] == round(percentile_cont(first_use, 0.9))


def test_distribution_by_organisation_type_and_demand(carol_api, carol_client, seeded):
    data = carol_api.get("/api/v1/stats/distribution/").json()
    by_type = {r["key"]: r for r in data["by_organisation_type"]}
    grants = Grant.objects.select_related("application__organisation")
    for org_type in ("startup", "sme", "university", "research"):
        mine = [g for g in grants if g.application.organisation.type == org_type and g.status in HOLDING]
        assert by_type[org_type]["granted_seconds"] == sum(g.granted_seconds for g in mine)
        used = sum(d.gpu_seconds for d in UsageDaily.objects.filter(grant__in=mine))
        assert by_type[org_type]["used_seconds"] == used
    assert data["total"]["granted_seconds"] == 6_500 * 3600
    assert data["startup_sme_granted_seconds"] == 3_000 * 3600
    assert data["startup_sme_permille"] == 3_000 * 1000 // 6_500
    assert {r["key"] for r in data["by_country"]} == {"EE", "FR", "PT", "NL"}
    demand = {d["call_id"]: d for d in data["demand"]}[seeded["call"].pk]
    requested = sum(
        a.requested_gpu_hours or 0 for a in Application.objects.filter(call=seeded["call"], submitted_at__isnull=False)
    )
    assert demand["requested_seconds"] == requested * 3600
    assert demand["granted_seconds"] == 6_000 * 3600
    assert demand["oversubscription_permille"] == requested * 3600 * 1000 // (6_000 * 3600)
    page = carol_client.get("/staff/dashboards/distribution/")
    assert "start-up / SME" in page.content.decode()


def test_reviewer_load(carol_client, seeded, bob):
    import datetime as dt

    from reviews.models import AssignmentStatus, ReviewAssignment

    app = seeded["submitted"]
    other = seeded["rejected"]
    ReviewAssignment.objects.create(application=app, reviewer=bob, due_on=dt.date(2020, 1, 1), assigned_by=bob)
    done = ReviewAssignment.objects.create(
        application=other,
        reviewer=bob,
        due_on=dt.date(2020, 1, 1),
        assigned_by=bob,
        status=AssignmentStatus.COMPLETED,
    )
    ReviewAssignment.objects.filter(pk=done.pk).update(completed_at=done.created_at + dt.timedelta(days=3))
    table = carol_client.get("/staff/dashboards/reviewers/").context["tables"][0]
    row = {r["reviewer"]: r for r in table.rows}["Bob Reviewer"]
    assert (row["assignments"], row["completed"], row["open"], row["overdue"]) == (2, 1, 1, 1)
    assert row["mean"] == 3 * 86400


def test_fund_page_reads_the_ledger(client, dora, seeded):
    from tests.factories import PartnerFactory, TrancheFactory

    TrancheFactory()
    PartnerFactory(name="Bundesrepublik")
    login_staff(client, dora)
    response = client.get("/staff/dashboards/fund/")
    assert response.status_code == 200
    slugs = [t.slug for t in response.context["tables"]]
    assert slugs == ["tranches", "partners"]
    assert response.context["tables"][0].rows[0]["target"] == 12 * 1000 * 1000 * 1000 * 100


def test_granted_hours_have_a_chart_of_their_own_scale(carol_client, seeded):
    """Next to a quarter's capacity the used and accepted hours are thin slivers under "free": each Gigafactory
    also has a chart of the granted hours only, so used and accepted hours are visible."""
    tables = carol_client.get("/staff/dashboards/").context["tables"]
    granted = [t for t in tables if t.slug.startswith("granted-")]
    assert granted, [t.slug for t in tables]
    for table in granted:
        assert table.chart == "stacked"
        keys = [c.key for c in table.columns if c.series]
        assert keys == ["used", "reclaimed", "remaining", "offered_open"]
    assert sum(row["used"] for t in granted for row in t.rows) == 600 * 3600
