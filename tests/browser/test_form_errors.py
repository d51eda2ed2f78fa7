"""Errors on an application step, as a keyboard and screen-reader user meets them, and reflow on a small screen:
after a failed save focus is on the error summary (role alert) whose links move focus to the field; the valid answers
of the step are kept after leaving the page; at 320 px in German with the WCAG text-spacing override no page of the
application scrolls sideways."""

import re

import pytest

from tests.allocations.conftest import call, draft  # noqa: F401  (alice's empty draft in an open call)
from tests.conftest import assert_accessible, login

pytestmark = [pytest.mark.browser]

TEXT_SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }"
    " p { margin-bottom: 2em !important; }"
)


def test_focus_lands_on_the_error_summary_and_valid_answers_are_kept(page, alice, draft):  # noqa: F811
    login(page, alice.email)
    page.goto(f"/applications/{draft.pk}/edit/resources/")
    page.get_by_label("Start month").fill("March")
    page.get_by_label("Software stack").fill("PyTorch 2.5, Megatron-LM")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "Your other answers on this page were saved" in summary.inner_text()
    assert page.get_by_label("Start month").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "form-errors-summary")
    summary.get_by_role("link", name=re.compile("Start month")).click()
    assert page.evaluate("document.activeElement.id") == "id_start_month"

    page.goto("/applications/")
    page.goto(f"/applications/{draft.pk}/edit/resources/")
    assert page.get_by_label("Software stack").input_value() == "PyTorch 2.5, Megatron-LM"


def test_no_application_page_scrolls_sideways_at_320_px_in_german_with_text_spacing(
    chromium,
    live_server,
    alice,
    draft,  # noqa: F811
):
    # The override is the WCAG 1.4.12 bookmarklet's style sheet: a context of its own lets it past the CSP.
    context = chromium.new_context(
        base_url=live_server.url, bypass_csp=True, locale="en-GB", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        f" const s = document.createElement('style'); s.textContent = {TEXT_SPACING!r};"
        " document.head.appendChild(s); });"
    )
    login(page, alice.email)
    page.locator("#language-select").select_option("de")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    page.set_viewport_size({"width": 320, "height": 800})
    paths = ["/", "/calls/", "/applications/", "/grants/", "/profile/"] + [
        f"/applications/{draft.pk}/edit/{step}/" for step in ("project", "team", "resources", "ethics", "review")
    ]
    for path in paths:
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == "de"
        assert page.evaluate("getComputedStyle(document.body).letterSpacing") != "normal", "the override applies"
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"{path} is {width[0]} px wide at 320 px"
    # The review step's links to each step stay on screen (they were in a column cut off on the right).
    links = page.get_by_role("link", name=re.compile("^Bearbeiten")).all()
    assert links
    for link in links:
        box = link.bounding_box()
        assert box and box["x"] + box["width"] <= 320
    context.close()
