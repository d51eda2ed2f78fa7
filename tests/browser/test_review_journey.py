"""The review journey in Chromium: bob declares no conflict, scores and submits; alice reads the anonymised
comments and replies; carol ranks the panel and approves; alice sees "approved" and got the email. axe-core runs
on each page (screenshots in test-artifacts/)."""

import re

import pytest
from django.core import mail

from accounts.models import MembershipRole
from accounts.roles import PlatformRole
from allocations.models import AIDomain, Status
from reviews import services
from tests.conftest import assert_accessible, login, login_with_totp, open_menu, wait_for
from tests.factories import CallFactory, MembershipFactory, OrganisationFactory, UserFactory, ensure_platform_groups
from tests.factories.reviews import (
    ReviewerProfileFactory,
    accepted_assignment,
    passed_check,
    reviewer,
    submitted_application,
    submitted_review,
)
from tests.reviews.conftest import with_totp  # noqa: F401  (the reusable TOTP fixture of the review tests)

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def _logout(page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def journey(celery_worker, alice, with_totp, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }
    ensure_platform_groups()
    bob = UserFactory(email="bob@uni-lisboa.pt", full_name="Bob Reviewer", roles=[PlatformRole.REVIEWER])
    ReviewerProfileFactory(user=bob, expertise=[AIDomain.LANGUAGE], keywords=["LLM"])
    carol = UserFactory(email="carol@eurohpc.eu", full_name="Carol Manager", roles=[PlatformRole.CALL_MANAGER])
    with_totp(bob)
    with_totp(carol)
    dave = reviewer("dave@tu-delft.nl", expertise=[AIDomain.LANGUAGE], keywords=["LLM"])
    call = CallFactory(title="Large Scale: foundation models 2027", slug="large-scale-2027")
    # A strong competitor already in the panel.
    other_org = OrganisationFactory(legal_name="Nordlys Research AS", country="NO", type="research")
    other_pi = UserFactory(email="pi@nordlys.no", full_name="Nora Nordlys")
    MembershipFactory(organisation=other_org, user=other_pi, role=MembershipRole.OWNER)
    other = passed_check(submitted_application(call=call, organisation=other_org, pi=other_pi), by=carol)
    submitted_review(accepted_assignment(other, bob, by=carol), [5, 5, 5])
    submitted_review(accepted_assignment(other, dave, by=carol), [5, 5, 4])
    services.reply_submit(application_id=other.pk, by=other_pi, text="Thanks.")
    # alice's application: dave has reviewed; bob's assignment waits for his answer.
    application = passed_check(
        submitted_application(call=call, organisation=alice.organisations.get(), pi=alice), by=carol
    )
    submitted_review(accepted_assignment(application, dave, by=carol), [3, 4, 3], comment="Thin scaling evidence.")
    services.assignments_create(pairs=[(application.pk, bob.pk)], by=carol)
    wait_for(lambda: len(mail.outbox) >= 1)  # the competitor's right-to-reply email
    mail.outbox.clear()
    return {"bob": bob, "carol": carol, "dave": dave, "application": application, "other": other}


def test_review_journey(page, journey, alice):
    bob, carol, application = journey["bob"], journey["carol"], journey["application"]
    # Staff navigation bars are long; a desktop-wide window keeps the language switcher inside the bar.

    # bob: inbox, declares no conflict, scores and submits.
    login_with_totp(page, bob)
    open_menu(page, "Staff")
    page.get_by_role("link", name="Reviews", exact=True).click()
    page.wait_for_url(re.compile(r"/staff/reviews/$"))
    assert page.get_by_role("cell", name=re.compile(r"Due on|\d")).count() >= 1
    assert_accessible(page, "reviews-inbox")
    page.get_by_role("link", name=re.compile("Declare conflicts and answer")).click()
    assert_accessible(page, "reviews-declare")
    page.get_by_label(re.compile("I declare that I have no conflict of interest")).check()
    page.get_by_role("button", name="No conflict: accept the assignment").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert page.get_by_text("Aurora-7B").first.is_visible()
    page.get_by_label(re.compile(r"^Excellence")).select_option("4")
    page.get_by_label(re.compile(r"^Technical readiness")).select_option("4")
    page.get_by_label(re.compile(r"^Impact")).select_option("5")
    page.get_by_label("Comment for the applicant").fill("Convincing plan for an open Estonian model.")
    page.get_by_label("Confidential comment for the panel").fill("Bob's confidential note: fund it.")
    assert_accessible(page, "reviews-form")
    page.get_by_label("I have finished: submit this review as final").check()
    page.get_by_role("button", name="Submit review").click()
    assert page.get_by_text("This review was submitted and is locked.").is_visible()
    _logout(page)

    # alice: reads the anonymised comments and replies.
    login(page, alice.email)
    page.goto(f"/applications/{application.pk}/")
    page.get_by_role("link", name="Read the reviews and reply").click()
    assert page.get_by_role("heading", name="Reviewer 1").is_visible()
    assert page.get_by_role("heading", name="Reviewer 2").is_visible()
    content = page.content()
    assert "Convincing plan" in content and "Thin scaling evidence." in content
    for secret in (
        "Bob Reviewer",
        "bob@uni-lisboa.pt",
        "dave@tu-delft.nl",
        journey["dave"].full_name,
        "confidential note",
    ):
        assert secret not in content
    reply = "We add a 1,024-GPU scaling run to the annex."
    page.get_by_label("Your reply to the reviewers").fill(reply)
    assert page.locator("#reply-counter").inner_text() == f"{5000 - len(reply):,} / 5,000 characters left"
    assert_accessible(page, "reviews-applicant-reply")
    page.get_by_label(re.compile("I can reply only once")).check()
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was sent.").is_visible()
    _logout(page)

    # carol: ranks the panel (moves alice's application up, with a justification) and approves it.
    login_with_totp(page, carol)
    open_menu(page, "Staff")
    page.get_by_role("link", name="Review management").click()
    page.get_by_role("link", name=re.compile(r"^Panel")).first.click()
    page.wait_for_url(re.compile(r"/panel/$"))
    assert page.get_by_text("ties go to the higher minimum criterion score").is_visible()
    rows = page.locator("tbody tr")
    assert rows.nth(0).get_attribute("data-application") == str(journey["other"].pk)
    assert_accessible(page, "reviews-panel")
    # The panel reads each application's reviews (with the confidential comments) and the reply before ranking.
    page.locator(f'tr[data-application="{application.pk}"]').get_by_role("link", name="Reviews and reply").click()
    assert page.get_by_text("Bob's confidential note: fund it.").is_visible()
    assert page.locator(".reply-text").is_visible()
    assert_accessible(page, "reviews-panel-application")
    page.go_back()
    row = page.locator(f'tr[data-application="{application.pk}"]')
    row.get_by_text("Move or decide").click()
    row.get_by_label("New position").fill("1")
    row.get_by_label("Justification for the move").fill("Only Finno-Ugric model in the batch.")
    row.get_by_role("button", name="Move").click()
    assert page.locator("tbody tr").nth(0).get_attribute("data-application") == str(application.pk)
    row = page.locator(f'tr[data-application="{application.pk}"]')
    row.get_by_text("Move or decide").click()
    row.get_by_label("Decision", exact=True).select_option("approved")
    row.get_by_label("Justification for the decision").fill("Excellent and strategic.")
    row.get_by_role("button", name="Decide").click()
    assert page.get_by_text(f"The decision on {application.reference} was recorded.").is_visible()
    assert_accessible(page, "reviews-panel-decided")
    _logout(page)

    # alice: sees "approved" and got the email.
    login(page, alice.email)
    page.goto(f"/applications/{application.pk}/")
    assert page.locator(".badge", has_text="Approved").first.is_visible()
    page.get_by_role("link", name="Read the decision and the reviews").click()
    assert page.get_by_text("Decision: Approved").is_visible()
    assert_accessible(page, "reviews-applicant-decision")
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    wait_for(lambda: any(m.subject.endswith(": approved") for m in mail.outbox))
    email = next(m for m in mail.outbox if m.subject.endswith(": approved"))
    assert email.to == ["alice@aurora-ai.eu"]
    assert "Bob" not in email.body
