"""The call designer in Chromium: carol clones a call, adds a number question, a yes/no question placed in the
"Data and ethics" step and a required "Technical annex", previews and publishes it, sees the rubric fixed and
extends a cut-off; alice applies, is told inline that her request exceeds the call's maximum, fixes it, answers
(one question below the ethics step's fields), uploads the annex and submits; bob, assigned, reads the answers
and opens the annex, and with blind review on his page names neither alice nor her organisation."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.roles import PlatformRole
from allocations.models import Application, CallEvent, CallEventKind, Status
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp
from tests.factories import CallFactory, UserFactory, ensure_platform_groups, fill_application
from tests.factories.allocations import pdf_bytes
from tests.factories.reviews import ReviewerProfileFactory, accepted_assignment, passed_check

pytestmark = pytest.mark.browser


def _local(moment, fmt: str) -> str:
    return timezone.localtime(moment).strftime(fmt)


@pytest.fixture
def cast(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}},
    }
    ensure_platform_groups()
    carol = activate_totp(
        UserFactory(email="carol@eurohpc.eu", full_name="Carol Manager", roles=[PlatformRole.CALL_MANAGER])
    )
    bob = activate_totp(UserFactory(email="bob@uni-lisboa.pt", full_name="Bob Reviewer", roles=[PlatformRole.REVIEWER]))
    ReviewerProfileFactory(user=bob)
    source = CallFactory(title="Large Scale 2026", slug="large-scale-2026", blind_review=True)
    return {"carol": carol, "bob": bob, "source": source, "annex": tmp_path / "annex-aurora-alice.pdf"}


def test_design_apply_and_review_blind(page, cast, alice):
    carol, bob = cast["carol"], cast["bob"]
    cutoff = timezone.now() + dt.timedelta(days=40)

    # carol clones last year's call and designs its form.
    login_with_totp(page, carol)
    page.goto("/staff/calls/")
    assert_accessible(page, "call-designer-list")
    page.get_by_role("link", name=re.compile(r"Clone\s+Large Scale 2026")).click()
    page.get_by_label("Title of the new call").fill("Large Scale 2027")
    page.get_by_label("Cut-offs").fill(_local(cutoff, "%Y-%m-%d %H:%M"))
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url(re.compile(r"/staff/calls/large-scale-2027/$"))
    page.get_by_text("Add a question").click()
    page.select_option("#id_question-kind", "number")
    page.fill("#id_question-label", "Nodes at peak")
    page.fill("#id_question-min_value", "1")
    page.fill("#id_question-max_value", "64")
    page.fill("#id_question-unit", "nodes")
    page.get_by_role("button", name="Add question").click()
    page.get_by_text("Add a question").click()
    page.select_option("#id_question-kind", "yes_no")
    page.fill("#id_question-label", "Will you release the model weights?")
    page.select_option("#id_question-step", "ethics")
    page.get_by_role("button", name="Add question").click()
    assert page.get_by_text("in the step “Data and ethics”").is_visible()
    page.get_by_text("Add a document").click()
    page.fill("#id_slot-name", "Technical annex")
    page.get_by_role("button", name="Add document").click()
    assert page.get_by_text("The document was added.").is_visible()
    assert_accessible(page, "call-designer-detail")
    page.get_by_role("link", name="Preview as an applicant").click()
    assert page.get_by_label("Nodes at peak").is_visible()
    assert page.get_by_role("group", name="Will you release the model weights?").is_visible()
    assert page.get_by_text("PDF, at most 10 MB").is_visible()
    assert_accessible(page, "call-designer-preview")
    page.go_back()
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_text("The call is published (form version 1).").is_visible()
    assert page.get_by_text("The rubric is fixed once the call is published.").is_visible()
    page.get_by_label("Extend to").fill(_local(cutoff + dt.timedelta(days=2), "%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Extend", exact=True).click()
    assert page.get_by_text("The cut-off was extended.").is_visible()
    assert page.get_by_text(re.compile("Cut-off extended — Carol Manager")).is_visible()
    assert CallEvent.objects.filter(call__slug="large-scale-2027", kind=CallEventKind.CUTOFF_EXTENDED).exists()
    page.context.clear_cookies()

    # alice applies; her request above the call's maximum is refused on the field, the rest of her input stays.
    login(page, alice.email)
    page.goto("/calls/large-scale-2027/")
    page.get_by_role("button", name="Start an application").click()
    application = Application.objects.get(call__slug="large-scale-2027")
    fill_application(application)
    application.attachments.all().delete()
    page.goto(f"/applications/{application.pk}/edit/resources/")
    page.get_by_label("Requested GPU-hours").fill("5000000")
    page.get_by_label("Storage (TB)").fill("150")
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "Request at most 2,000,000 GPU-hours" in summary.inner_text()
    assert page.get_by_label("Storage (TB)").input_value() == "150"
    page.get_by_label("Requested GPU-hours").fill("100000")
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text(re.compile("Saved at")).first.is_visible()
    page.goto(f"/applications/{application.pk}/edit/ethics/")  # the weights question sits below the step's fields
    assert_accessible(page, "application-step-with-call-questions")
    page.get_by_role("group", name="Will you release the model weights?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text(re.compile("Saved at")).first.is_visible()
    page.goto(f"/applications/{application.pk}/edit/questions/")
    page.get_by_label("Nodes at peak").fill("16")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/edit/attachments/$"))
    cast["annex"].write_bytes(pdf_bytes())
    page.get_by_label("Upload Technical annex").set_input_files(str(cast["annex"]))
    page.get_by_role("button", name="Upload", exact=True).click()
    assert page.get_by_text("annex-aurora-alice.pdf").first.is_visible()
    page.goto(f"/applications/{application.pk}/edit/review/")
    assert page.get_by_text("Check your answers").is_visible()
    page.get_by_label(re.compile("I declare that the information")).check()
    page.get_by_role("button", name="Submit the application").click()
    application.refresh_from_db()
    nodes, weights = (str(q["id"]) for q in application.form_version.questions)
    assert application.status == Status.SUBMITTED and application.answers == {nodes: "16", weights: True}
    page.context.clear_cookies()

    # bob, assigned and past the conflict declaration, reads the answers and opens the annex, blind.
    assignment = accepted_assignment(passed_check(application, by=carol), bob, by=carol)
    login_with_totp(page, bob)
    page.goto(f"/staff/reviews/assignments/{assignment.pk}/review/")
    assert page.get_by_text("16 nodes").is_visible()
    assert page.get_by_text("Will you release the model weights?").is_visible()
    text = page.locator("main").inner_text()
    for hidden in (alice.full_name, alice.email, "Aurora AI", "annex-aurora-alice"):
        assert hidden not in text, hidden
    with page.expect_download() as download:
        page.get_by_role("link", name="Open Technical annex").click()
    assert "aurora" not in download.value.suggested_filename.lower()
