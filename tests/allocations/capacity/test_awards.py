"""Awards that follow the project: a run's award is sliced over the quarters of the project; slices of periods
created later are committed first when those periods are split; a project starting later is not offered hours
earlier; commitments that no longer fit are refused or scaled; one answer covers every slice of an award."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.capacity import selectors, services
from allocations.capacity.services import period_split
from allocations.models.capacity import Award, Grant, GrantStatus
from tests.allocations.capacity.conftest import HOUR, assert_ledger_invariants, balance
from tests.factories import approved_application, open_pool, period_with_pools

AWARD = 400_000 * HOUR


def project(application, start: dt.date, months: int):
    application.start_month, application.duration_months = start, months
    application.save(update_fields=["start_month", "duration_months"])
    return application


def committed_run(pool, carol):
    run = services.run_create(pool=pool, policy="rank_greedy", by=carol)
    services.run_execute(run_id=run.pk)
    return services.run_commit(run_id=run.pk, by=carol)


@pytest.fixture
def twelve_months(carol, alice, alice_org, call, gigafactory):
    """Alice's 12-month project of 400,000 GPU-hours from February 2027, approved; the 2027 Q1 period."""
    application = approved_application(call=call, requested=400_000, rank=1, organisation=alice_org, pi=alice)
    project(application, dt.date(2027, 2, 1), 12)
    period = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=1)
    return application, open_pool(period)


def test_the_award_follows_the_project_into_each_new_quarter(twelve_months, carol, gigafactory):
    application, q1_pool = twelve_months
    run = committed_run(q1_pool, carol)
    result = run.results.get()
    assert result.award_seconds == AWARD  # the whole project, granted in full
    assert result.granted_seconds == 232_767_123  # its Q1 slice: 59 of 365 days
    award = Award.objects.get(application=application)
    assert (award.total_seconds, award.starts_on, award.ends_on, award.run) == (
        AWARD,
        dt.date(2027, 2, 1),
        dt.date(2028, 2, 1),
        run,
    )
    (q1,) = award.slices.all()
    assert (q1.starts_on, q1.ends_on, q1.granted_seconds) == (dt.date(2027, 2, 1), dt.date(2027, 4, 1), 232_767_123)
    for year, quarter in ((2027, 2), (2027, 3), (2027, 4), (2028, 1)):
        period = period_with_pools(by=carol, gigafactory=gigafactory, year=year, quarter=quarter)
        pool = open_pool(period)
        grant = Grant.objects.get(award=award, period=period)
        # committed first: the pool a run of the new period sees is what is left
        assert balance(pool.account) == pool.size_seconds - grant.granted_seconds
        assert grant.status == GrantStatus.OFFERED and grant.run is None
        assert selectors.inputs_snapshot(pool=pool)[0]["balance"] == balance(pool.account)
        assert not selectors.candidate_applications(pool=pool).filter(pk=application.pk).exists()
    slices = list(award.slices.order_by("starts_on"))
    assert [(s.period.year, s.period.quarter) for s in slices] == [
        (2027, 1),
        (2027, 2),
        (2027, 3),
        (2027, 4),
        (2028, 1),
    ]
    assert [(s.ends_on - s.starts_on).days for s in slices] == [59, 91, 92, 92, 31]
    assert slices[-1].ends_on == dt.date(2028, 2, 1)
    assert sum(s.granted_seconds for s in slices) == AWARD
    assert_ledger_invariants()


def test_later_periods_already_split_get_their_slices_at_commit(twelve_months, carol, gigafactory):
    application, q1_pool = twelve_months
    q2 = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    committed_run(q1_pool, carol)
    award = Award.objects.get(application=application)
    assert sorted(award.slices.values_list("period_id", flat=True)) == sorted([q1_pool.period_id, q2.pk])
    q2_slice = award.slices.get(period=q2)
    assert balance(open_pool(q2).account) == open_pool(q2).size_seconds - q2_slice.granted_seconds
    assert_ledger_invariants()


def test_a_project_starting_later_is_not_offered_hours_earlier(carol, call, gigafactory):
    later = project(approved_application(call=call, requested=10_000, rank=1), dt.date(2027, 5, 1), 6)
    now = project(approved_application(call=call, requested=10_000, rank=2), dt.date(2027, 1, 1), 3)
    pool = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=1))
    snapshot, _digest = selectors.inputs_snapshot(pool=pool)
    assert [row[0] for row in snapshot["requests"]] == [now.pk]
    committed_run(pool, carol)
    assert not Award.objects.filter(application=later).exists()
    q2 = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2))
    assert [row[0] for row in selectors.inputs_snapshot(pool=q2)[0]["requests"]] == [later.pk]


def test_a_partial_grant_gives_a_proportional_award_whose_slices_sum_exactly(carol, call, gigafactory):
    application = project(approved_application(call=call, requested=100_000, rank=1), dt.date(2027, 1, 1), 6)
    pool = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, accelerators=20))  # 34,992 GPU-h
    committed_run(pool, carol)
    award = Award.objects.get(application=application)
    (q1,) = award.slices.all()
    assert q1.granted_seconds <= pool.size_seconds
    assert award.total_seconds < 100_000 * HOUR
    # Q1 holds 90 of the 181 days: the award is the same fraction of the request the Q1 slice got
    assert abs(award.total_seconds * 90 // 181 - q1.granted_seconds) <= 1
    q2 = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    assert q1.granted_seconds + award.slices.get(period=q2).granted_seconds == award.total_seconds
    assert_ledger_invariants()


def test_commitments_that_no_longer_fit_are_refused_unless_scaled(twelve_months, carol, gigafactory):
    from allocations.capacity.services import period_create
    from tests.factories.allocations import access_mode

    application, q1_pool = twelve_months
    committed_run(q1_pool, carol)
    q2 = period_create(gigafactory=gigafactory, year=2027, quarter=2, reserve_percent=10, accelerators=10, by=carol)
    shares = {access_mode("large-scale").pk: 10_000}
    with pytest.raises(ValidationError) as refused:
        period_split(period_id=q2.pk, open_shares_bp=shares, entitlements_on=timezone.localdate(), by=carol)
    assert "Scale their slices down pro rata" in str(refused.value)
    q2.refresh_from_db()
    assert not q2.is_split and not Grant.objects.filter(period=q2).exists()  # nothing committed silently
    period_split(
        period_id=q2.pk, open_shares_bp=shares, entitlements_on=timezone.localdate(), by=carol, scale_commitments=True
    )
    pool = open_pool(q2)
    assert Grant.objects.get(period=q2, application=application).granted_seconds == pool.size_seconds
    assert balance(pool.account) == 0
    assert_ledger_invariants()


def test_one_answer_covers_every_slice_of_the_award(twelve_months, carol, alice, gigafactory):
    application, q1_pool = twelve_months
    q2 = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    committed_run(q1_pool, carol)
    first = Grant.objects.get(application=application, period=q1_pool.period)
    services.offer_respond(grant_id=first.pk, accept=False, by=alice)
    assert set(Grant.objects.filter(application=application).values_list("status", flat=True)) == {GrantStatus.DECLINED}
    assert balance(q1_pool.account) == q1_pool.size_seconds
    assert balance(open_pool(q2).account) == open_pool(q2).size_seconds
    # a declined award commits nothing in periods created later
    q3 = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=3)
    assert not Grant.objects.filter(period=q3).exists()
    assert_ledger_invariants()


def test_pages_show_the_award_its_slices_and_the_run_totals(twelve_months, carol, alice, gigafactory, client):
    from django.urls import reverse

    from tests.conftest import login_staff

    application, q1_pool = twelve_months
    run = committed_run(q1_pool, carol)
    q2 = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    login_staff(client, carol)
    table = client.get(reverse("capacity_run_detail", args=[run.pk])).content.decode()
    assert "Award (whole project)" in table and "400,000" in table and "64,657" in table
    client.force_login(alice)
    first = Grant.objects.get(application=application, period=q1_pool.period)
    page = client.get(reverse("grant_detail", args=[first.pk])).content.decode()
    assert "Award: 400,000 GPU-h over the project" in page
    assert "2027 Q1" in page and "2027 Q2" in page and "1 Feb 2027 – 1 Apr 2027" in page
    mine = client.get(reverse("grant_list")).content.decode()
    assert mine.count("award-row") == 1 and mine.count(application.reference) == 3  # one award, two slices
    assert Grant.objects.filter(period=q2, application=application).exists()


def test_the_awards_api_lists_an_award_with_its_slices_to_its_members_only(
    twelve_months, carol, alice, mallory, gigafactory, client
):
    application, q1_pool = twelve_months
    committed_run(q1_pool, carol)
    period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    award = Award.objects.get(application=application)
    client.force_login(alice)
    (listed,) = client.get("/api/v1/awards/").json()["results"]
    assert (listed["id"], listed["total_seconds"], listed["application"]) == (award.pk, AWARD, application.reference)
    body = client.get(f"/api/v1/awards/{award.pk}/").json()
    assert [(s["starts_on"], s["ends_on"]) for s in body["slices"]] == [
        ("2027-02-01", "2027-04-01"),
        ("2027-04-01", "2027-07-01"),
    ]
    assert [s["granted_seconds"] for s in body["slices"]] == [232_767_123, 359_013_699]  # 59 and 91 of 365 days
    client.force_login(mallory)
    assert client.get(f"/api/v1/awards/{award.pk}/").status_code == 404
    assert client.get("/api/v1/awards/").json()["results"] == []


def test_an_accepted_award_commits_accepted_slices_that_activate_in_their_quarter(
    twelve_months, carol, alice, gigafactory
):
    application, q1_pool = twelve_months
    committed_run(q1_pool, carol)
    first = Grant.objects.get(application=application, period=q1_pool.period)
    services.offer_respond(grant_id=first.pk, accept=True, by=alice, now=timezone.now())
    q2 = period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    second = Grant.objects.get(application=application, period=q2)
    assert second.status == GrantStatus.ACCEPTED
    services.grants_activate(now=timezone.make_aware(dt.datetime(2027, 2, 2, 12)))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (GrantStatus.ACTIVE, GrantStatus.ACCEPTED)
    services.grants_activate(now=timezone.make_aware(dt.datetime(2027, 4, 2, 12)))
    second.refresh_from_db()
    assert second.status == GrantStatus.ACTIVE  # the application is active already: only the slice moves
    application.refresh_from_db()
    assert application.status == "active"


def test_the_public_register_counts_an_award_once_with_the_hours_of_all_its_slices(
    twelve_months, carol, alice, gigafactory, client
):
    application, q1_pool = twelve_months
    period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    committed_run(q1_pool, carol)
    first = Grant.objects.get(application=application, period=q1_pool.period)
    services.offer_respond(grant_id=first.pk, accept=True, by=alice)
    slices = list(Grant.objects.filter(application=application, status=GrantStatus.ACCEPTED))
    assert len(slices) == 2

    from allocations.dashboards.selectors import public_awards

    register = public_awards()
    assert register.count() == 1
    (row,) = register[0:10]
    assert row["gpu_seconds"] == sum(s.granted_seconds for s in slices)
    assert (row["period_start"], row["period_end"], row["slices"]) == (dt.date(2027, 2, 1), dt.date(2028, 2, 1), 2)
    body = client.get("/awards/").content.decode()
    assert "1 award" in body and "(2 quarters)" in body
    api = client.get("/api/v1/public/awards/").json()
    assert api["count"] == 1 and api["results"][0]["starts_on"] == "2027-02-01"
    # A year filter finds the award by any of its quarters, still once.
    assert public_awards(year=2027).count() == 1


def test_the_distribution_dashboard_counts_an_award_once(twelve_months, carol, alice, gigafactory):
    application, q1_pool = twelve_months
    period_with_pools(by=carol, gigafactory=gigafactory, year=2027, quarter=2)
    committed_run(q1_pool, carol)
    first = Grant.objects.get(application=application, period=q1_pool.period)
    services.offer_respond(grant_id=first.pk, accept=True, by=alice)
    assert Grant.objects.filter(application=application, status=GrantStatus.ACCEPTED).count() == 2

    from allocations.dashboards.selectors import Filters, distribution
    from allocations.dashboards.services import usage_summary_refresh

    usage_summary_refresh()
    shares = distribution(filters=Filters())
    assert shares.total.grants == 1  # one award, two quarterly slices
    assert shares.total.granted == sum(
        Grant.objects.filter(application=application).values_list("granted_seconds", flat=True)
    )
