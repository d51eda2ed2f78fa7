"""The "what needs me" home in Chromium: alice signs in and sees her offer to answer and her draft near a
cut-off, and follows the offer to its page; bob signs in with his authenticator, sees the assignment waiting for
his answer and follows it to the conflict declaration, which names the team. axe-core on each page (screenshots
in test-artifacts/)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.roles import PlatformRole
from allocations.capacity import services as capacity_services
from reviews import services as review_services
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    GigafactoryFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    approved_application,
    ensure_platform_groups,
    open_pool,
    period_with_pools,
)
from tests.factories.reviews import ReviewerProfileFactory, passed_check, submitted_application

pytestmark = pytest.mark.browser


def test_alice_and_bob_see_what_needs_them_and_follow_a_link(page, alice, alice_org, carol):
    ensure_platform_groups()
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    call = CallFactory(title="Large Scale 2027", slug="large-scale-2027", gigafactories=[gigafactory])
    period = period_with_pools(by=carol, gigafactory=gigafactory, accelerators=40)
    approved_application(call=call, requested=5_000, minimum=5_000, rank=1, organisation=alice_org, pi=alice)
    run = capacity_services.run_create(pool=open_pool(period), policy="rank_greedy", by=carol)
    capacity_services.run_execute(run_id=run.pk)
    capacity_services.run_commit(run_id=run.pk, by=carol)
    soon = CallFactory(
        title="Fast Lane December", slug="fast-lane-december", cutoffs=[timezone.now() + dt.timedelta(days=3)]
    )
    ApplicationFactory(call=soon, organisation=alice_org, created_by=alice, title="Aurora vision")

    bob = activate_totp(UserFactory(email="bob@uni-lisboa.pt", full_name="Bob Reviewer", roles=[PlatformRole.REVIEWER]))
    ReviewerProfileFactory(user=bob)
    other_pi = UserFactory(full_name="Mart Kask")
    other_org = OrganisationFactory(legal_name="Tartu Speech OÜ", country="EE")
    MembershipFactory(organisation=other_org, user=other_pi, role="owner")
    to_review = passed_check(submitted_application(call=call, organisation=other_org, pi=other_pi), by=carol)
    review_services.assignments_create(pairs=[(to_review.pk, bob.pk)], by=carol)

    # alice: her home lists the offer (with its deadline and time zone) and the draft; she opens the offer.
    login(page, alice.email)
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", name="What needs you").is_visible()
    offers = page.locator("#needs-offers")
    assert offers.get_by_text("Answer by").is_visible()
    assert re.search(r"CES?T", offers.locator("time").inner_text())
    assert page.locator("#needs-drafts").get_by_role("link", name="Aurora vision").is_visible()
    assert_accessible(page, "home-needs-alice")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "home-needs-alice-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    offers.get_by_role("link", name=re.compile(r"GAP-2027-")).click()
    page.wait_for_url(re.compile(r"/grants/\d+/$"))
    assert page.get_by_role("button", name=re.compile("Accept")).first.is_visible()
    assert_accessible(page, "home-needs-alice-offer")
    page.context.clear_cookies()

    # bob: his home lists the assignment to answer; he follows it to the conflict declaration with the team.
    login_with_totp(page, bob)
    page.goto("/")
    assignments = page.locator("#needs-assignments")
    assert assignments.get_by_text("Review due on").is_visible()
    assert_accessible(page, "home-needs-bob")
    assignments.get_by_role("link", name=re.compile(to_review.reference)).click()
    page.wait_for_url(re.compile(r"/staff/reviews/assignments/\d+/$"))
    team = page.locator("#conflict-team")
    assert team.get_by_text("Mart Kask").is_visible() and team.get_by_text("Tartu Speech OÜ").is_visible()
    assert_accessible(page, "home-needs-bob-conflict")
