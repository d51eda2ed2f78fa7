"""alice finds a Large Scale call, writes her application over two visits, uploads PDFs, submits, sees her
reference and the timeline and receives the email; the same journey with the keyboard only. axe-core on every
step."""

import re

import pytest
from django.core import mail

from allocations.models import Application
from tests.conftest import assert_accessible, login, wait_for
from tests.factories import CallFactory, GigafactoryFactory
from tests.factories.allocations import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.celery]

ANSWERS = {
    "#id_title": "Aurora-7B: an open Estonian-Finnish language model",
    "#id_acronym": "AURORA",
    "#id_abstract": "We pre-train an open 7B-parameter language model for Estonian and Finnish.",
    "#id_keywords": "LLM, Estonian, open weights",
}
RESOURCES = {
    "#id_requested_gpu_hours": "120000",
    "#id_minimum_gpu_hours": "80000",
    "#id_start_month": "2027-03",
    "#id_duration_months": "6",
    "#id_largest_job_gpus": "1024",
    "#id_storage_tb": "200",
    "#id_software_stack": "PyTorch, Megatron-LM, Slurm",
    "#id_scaling_evidence": "91 % weak-scaling efficiency to 512 GPUs on LUMI-G.",
}
ETHICS_TEXT = {
    "#id_data_sources": "Filtered Common Crawl and licensed national corpora.",
    "#id_ethics_self_assessment": "No human subjects; we evaluate bias before release.",
    "#id_open_science_commitment": "Open weights under Apache-2.0 and a paper.",
}


@pytest.fixture
def large_scale_call(db):
    return CallFactory(
        title="Large Scale: foundation models 2027",
        slug="large-scale-2027",
        gigafactories=[GigafactoryFactory(name="Aurora Nord", slug="aurora-nord")],
    )


@pytest.fixture
def pdfs(tmp_path):
    annex, cv = tmp_path / "technical-annex.pdf", tmp_path / "cv-alice.pdf"
    annex.write_bytes(pdf_bytes(2))
    cv.write_bytes(pdf_bytes(1))
    return annex, cv


class Mouse:
    """Clicks and fills, as most people do."""

    def __init__(self, page):
        self.page = page

    def fill(self, selector, value):
        self.page.fill(selector, value)

    def choose(self, selector, label):
        self.page.select_option(selector, label=label)

    def click(self, selector):
        self.page.click(selector)

    def check(self, selector):
        self.page.check(selector)

    def upload(self, selector, path):
        self.page.set_input_files(selector, str(path))


class Keyboard:
    """Only Tab, typing, Space and Enter: every control must be reachable and usable without a mouse."""

    def __init__(self, page):
        self.page = page

    def focus(self, selector, max_tabs=120):
        for _ in range(max_tabs):
            if self.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{selector} cannot be reached with Tab")

    def fill(self, selector, value):
        self.focus(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(value)

    def choose(self, selector, label):
        self.focus(selector)
        self.page.keyboard.type(label)
        assert self.page.eval_on_selector(selector, "el => el.options[el.selectedIndex].text") == label

    def click(self, selector):
        self.focus(selector)
        self.page.keyboard.press("Enter")

    def check(self, selector):
        self.focus(selector)
        self.page.keyboard.press("Space")

    def upload(self, selector, path):
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.focus(selector)
        for _attempt in range(3):  # Chromium now and then ignores a picker opened right after a page load
            try:
                with self.page.expect_file_chooser(timeout=4000) as chooser:
                    self.page.keyboard.press("Space")
            except PlaywrightTimeout:
                continue
            chooser.value.set_files(str(path))
            return
        raise AssertionError(f"Space on {selector} opened no file picker")


def journey(page, driver, call, pdfs, prefix):
    annex, cv = pdfs
    login(page, "alice@aurora-ai.eu")
    page.goto("/")
    driver.click("a.nav-link[href='/calls/']")
    page.wait_for_url("**/calls/")
    assert_accessible(page, f"{prefix}-calls")
    driver.click(f"a[href='/calls/{call.slug}/']")
    page.wait_for_url(f"**/calls/{call.slug}/")
    assert page.get_by_text("Brussels time").first.is_visible()
    assert page.locator("[data-local-time]").is_visible()  # the cut-off in the visitor's own time zone
    assert_accessible(page, f"{prefix}-call-detail")
    driver.click("form[action$='/apply/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/applications/\d+/edit/project/$"))
    application_url = page.url.rsplit("/edit/", 1)[0]

    # Step 1, with autosave: the status region says when it saved.
    for selector, value in ANSWERS.items():
        driver.fill(selector, value)
    driver.choose("#id_ai_domain", "Language models")
    page.locator("#save-status").get_by_text(re.compile(r"Saved at \d\d:\d\d")).wait_for()
    assert_accessible(page, f"{prefix}-step-project")
    driver.click("button[name=continue]")
    page.wait_for_url("**/edit/team/")

    # Step 2: the team; then alice leaves.
    driver.fill("#id_members-0-email", "jaan@tartu.ee")
    driver.choose("#id_members-0-role", "Engineer")
    assert_accessible(page, f"{prefix}-step-team")
    driver.click("button[name=continue]")
    page.wait_for_url("**/edit/resources/")
    driver.click("nav a.dropdown-toggle[href='/profile/']")  # the user menu
    driver.click("form[action='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))

    # Second visit: her draft is on the dashboard with what she wrote.
    login(page, "alice@aurora-ai.eu")
    page.goto("/")
    driver.click("a.nav-link[href='/applications/']")
    page.wait_for_url("**/applications/")
    assert page.get_by_text("2 of 5 steps").is_visible()
    assert_accessible(page, f"{prefix}-dashboard-draft")
    driver.click(f"a[href='{application_url.split(page.url.split('/applications/')[0])[1]}/edit/project/']")
    page.wait_for_url("**/edit/project/")
    assert page.input_value("#id_title") == ANSWERS["#id_title"]
    driver.click("a[href$='/edit/resources/']")
    page.wait_for_url("**/edit/resources/")

    # Step 3: resources.
    for selector, value in RESOURCES.items():
        driver.fill(selector, value)
    driver.choose("#id_preferred_gigafactory", "Aurora Nord")
    assert_accessible(page, f"{prefix}-step-resources")
    driver.click("button[name=continue]")
    page.wait_for_url("**/edit/ethics/")

    # Step 4: data and ethics.
    for selector, value in ETHICS_TEXT.items():
        driver.fill(selector, value)
    driver.choose("#id_personal_data", "No")
    driver.choose("#id_dual_use", "No")
    assert_accessible(page, f"{prefix}-step-ethics")
    driver.click("button[name=continue]")
    page.wait_for_url("**/edit/attachments/")

    # Step 5: the PDFs.
    for label, path in (("Technical annex", annex), ("CV", cv)):
        driver.choose("#id_kind", label)
        driver.upload("#id_file", path)
        driver.click("form[enctype='multipart/form-data'] button[type=submit]")
        page.get_by_text(f"{path.name} was uploaded.").wait_for()
    assert_accessible(page, f"{prefix}-step-attachments")
    driver.click("a.btn-primary[href$='/edit/review/']")
    page.wait_for_url("**/edit/review/")

    # Step 6: review and submit.
    assert page.locator("text=Incomplete").count() == 0
    assert_accessible(page, f"{prefix}-step-review")
    driver.check("#id_declaration")
    driver.click("form[action$='/submit/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/applications/\d+/$"))
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"GAP-\d{4}-\d{6}", reference)
    assert page.get_by_text("Draft → Submitted").is_visible()
    assert_accessible(page, f"{prefix}-submitted")

    message = wait_for(lambda: next((m for m in mail.outbox if reference in m.subject), None))
    assert message.to == ["alice@aurora-ai.eu"]
    application = Application.objects.get(reference=reference)
    assert application.title == ANSWERS["#id_title"] and application.attachments.count() == 2
    return reference


def test_applicant_journey_with_a_mouse(page, celery_worker, alice, large_scale_call, pdfs):
    journey(page, Mouse(page), large_scale_call, pdfs, "journey")


def test_applicant_journey_with_the_keyboard_only(page, celery_worker, alice, large_scale_call, pdfs):
    journey(page, Keyboard(page), large_scale_call, pdfs, "keyboard")
