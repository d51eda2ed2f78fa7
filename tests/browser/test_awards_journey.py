"""Awards over quarters: alice's three-month project from February got its award in 2027 Q1; carol sees what it
commits to Q2, creates the Q2 period (its commitments are shown before the split and granted by it), runs and
commits the Q2 pool; alice sees her award with its two slices."""

import datetime as dt
import re

import pytest

from allocations.capacity import services
from allocations.models.capacity import Award
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp, open_menu
from tests.factories import (
    CallFactory,
    GigafactoryFactory,
    approved_application,
    contributions_paid,
    ensure_platform_groups,
    open_pool,
    period_with_pools,
)

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def _project(application, start: dt.date, months: int):
    application.start_month, application.duration_months = start, months
    application.save(update_fields=["start_month", "duration_months"])
    return application


def test_carol_commits_the_next_quarter_and_alice_sees_two_slices(page, celery_worker, carol, alice, alice_org, dora):
    ensure_platform_groups()
    contributions_paid(by=dora)  # the EU paid 75 %: the page splits the next quarter with the open calls at 50 %
    activate_totp(carol)
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[gigafactory])
    mine = approved_application(call=call, requested=9_000, rank=1, organisation=alice_org, pi=alice)
    _project(mine, dt.date(2027, 2, 1), 3)  # February to April: a slice in Q1 and one in Q2
    later = _project(approved_application(call=call, requested=6_000, rank=2), dt.date(2027, 4, 1), 3)
    q1 = open_pool(period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40))
    run = services.run_create(pool=q1, policy="rank_greedy", by=carol)
    services.run_execute(run_id=run.pk)
    services.run_commit(run_id=run.pk, by=carol)
    award = Award.objects.get(application=mine)
    assert award.slices.count() == 1

    login_with_totp(page, carol)
    open_menu(page, "Staff")
    page.get_by_role("link", name="Allocation").click()
    page.get_by_role("link", name="Commitments per future period").click()
    page.wait_for_url(re.compile(r"/staff/allocation/commitments/$"))
    assert page.get_by_role("heading", name=re.compile("Jupiter AI Gigafactory 2027 Q2")).is_visible()
    assert page.get_by_role("rowheader", name=mine.reference).is_visible()
    assert_accessible(page, "awards-commitments")

    page.goto("/staff/allocation/periods/new/")
    page.get_by_label("Gigafactory").select_option(label="Jupiter AI Gigafactory")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Quarter").select_option("2")
    page.get_by_label("Accelerators").fill("40")
    page.get_by_label("Reserve (%)").fill("10")
    page.get_by_role("button", name="Create period").click()
    page.wait_for_url(re.compile(r"/staff/allocation/periods/\d+/$"))
    commitments = page.locator("#period-commitments")
    assert "1 award already made commits" in commitments.inner_text()
    assert mine.reference in commitments.inner_text()
    assert_accessible(page, "awards-period-commitments")

    assert "Open-access pools: 50.00%" in page.locator("#open-access-arithmetic").inner_text()
    page.get_by_label("Share of the open-access hours for Large Scale (%)").fill("100")
    page.get_by_role("button", name="Split into pools").click()
    page.get_by_role("button", name="Run Large Scale").wait_for()
    assert_accessible(page, "awards-period-split")
    page.get_by_role("button", name="Run Large Scale").click()
    page.wait_for_url(re.compile(r"/staff/allocation/runs/\d+/$"))
    page.get_by_role("button", name="Commit and send offers").wait_for(timeout=30_000)
    assert page.get_by_role("cell", name=later.reference).or_(page.get_by_text(later.reference)).first.is_visible()
    page.get_by_label(re.compile("I have checked the result")).check()
    page.get_by_role("button", name="Commit and send offers").click()
    page.get_by_text("Run committed").wait_for()
    assert_accessible(page, "awards-run-committed")

    assert award.slices.count() == 2
    page.context.clear_cookies()  # sign carol out
    login(page, alice.email)
    page.get_by_role("link", name="My grants").click()
    page.wait_for_url(re.compile(r"/grants/$"))
    group = page.locator(".award-row")
    assert group.count() == 1 and "9,000 GPU-h" in group.inner_text()
    slices = page.get_by_role("link", name=mine.reference)
    assert slices.count() == 2
    assert page.get_by_text("Jupiter AI Gigafactory 2027 Q1").is_visible()
    assert page.get_by_text("Jupiter AI Gigafactory 2027 Q2").is_visible()
    assert_accessible(page, "awards-my-grants")
    slices.first.click()
    page.wait_for_url(re.compile(r"/grants/\d+/$"))
    assert_accessible(page, "awards-offer-slices")
