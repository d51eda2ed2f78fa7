"""Reviewer matching in Chromium: carol asks for the text affinities (a real Celery worker computes them), reads
the suggestion with its affinities, phrases and reasons, and accepts it; bob sees why he was suggested. axe-core
runs on each page (screenshots in test-artifacts/)."""

import re

import pytest

from accounts.roles import PlatformRole
from allocations.models import AIDomain
from reviews.models import CallAffinity, ReviewAssignment
from tests.conftest import assert_accessible, login_with_totp, wait_for
from tests.factories import CallFactory, UserFactory, ensure_platform_groups
from tests.factories.reviews import ReviewerProfileFactory, passed_check, reviewer, submitted_application
from tests.reviews.conftest import with_totp  # noqa: F401  (the reusable TOTP fixture of the review tests)

pytestmark = [pytest.mark.browser, pytest.mark.celery]


@pytest.fixture
def pool(celery_worker, alice, with_totp):  # noqa: F811
    ensure_platform_groups()
    bob = UserFactory(email="bob@uni-lisboa.pt", full_name="Bob Reviewer", roles=[PlatformRole.REVIEWER])
    ReviewerProfileFactory(
        user=bob,
        expertise=[AIDomain.LANGUAGE],
        keywords=["LLM"],
        research_interests="Open language models for Estonian and Finnish; Finno-Ugric corpora.",
    )
    carol = UserFactory(email="carol@eurohpc.eu", full_name="Carol Manager", roles=[PlatformRole.CALL_MANAGER])
    with_totp(bob)
    with_totp(carol)
    reviewer("dave@tu-delft.nl", expertise=[AIDomain.VISION], keywords=["segmentation"])
    call = CallFactory(title="Large Scale: foundation models 2027", slug="large-scale-2027")
    application = passed_check(
        submitted_application(call=call, organisation=alice.organisations.get(), pi=alice), by=carol
    )
    return {"bob": bob, "carol": carol, "call": call, "application": application}


def test_carol_accepts_the_suggestion_and_bob_sees_why(page, pool):
    bob, carol, call, application = pool["bob"], pool["carol"], pool["call"], pool["application"]
    login_with_totp(page, carol)
    page.goto(f"/staff/reviews/manage/calls/{call.slug}/")
    page.get_by_role("link", name="Assignment suggestion").click()
    page.wait_for_url(re.compile(r"/suggestion/$"))
    assert page.get_by_text("Text affinities are not computed").is_visible()
    page.get_by_role("button", name="Compute text affinities").click()
    # The POST redirects back here; reloading before that navigation ends would race it.
    page.get_by_text("The affinities are being computed").wait_for()
    wait_for(lambda: CallAffinity.objects.filter(call=call).exists(), timeout=30)
    page.reload()
    assert page.get_by_text("Text affinities of the applications and reviewer profiles").is_visible()
    row = page.get_by_role("row").filter(has_text=application.reference)
    assert (
        row.locator(".suggested-pair").filter(has_text="Bob Reviewer").locator(".affinity").inner_text().endswith("%")
    )
    assert "finno-ugric" in row.inner_text().lower()
    assert_accessible(page, "matching-suggestion")
    page.get_by_label("Objective for this call").select_option("total")
    page.get_by_role("button", name="Save objective").click()
    assert page.get_by_text("Objective: the highest total affinity").is_visible()
    page.get_by_role("button", name="Assign all suggested reviewers").click()
    page.wait_for_url(re.compile(rf"/staff/reviews/manage/calls/{call.slug}/$"))
    assert page.get_by_text("2 reviewers were assigned.").is_visible()
    page.context.clear_cookies()

    login_with_totp(page, bob)
    assignment = ReviewAssignment.objects.get(application=application, reviewer=bob)
    page.goto("/staff/reviews/")
    page.get_by_role("link", name=re.compile("Declare conflicts and answer")).click()
    page.wait_for_url(re.compile(rf"/staff/reviews/assignments/{assignment.pk}/$"))
    why = page.get_by_role("region", name="Why you were suggested")
    assert why.is_visible()
    assert "finno-ugric" in why.inner_text().lower()
    assert_accessible(page, "matching-why-suggested")
