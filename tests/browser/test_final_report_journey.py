"""After alice's grant ends she files the final report with two DOIs from "My grants" (a DOI listed twice and a
missing acknowledgement first come back as errors); carol (call manager, with her authenticator) sees it on the
staff list of submitted reports; the publications appear on the public awards register."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from allocations.models.reports import ReportStatus
from allocations.postaward.reports import services
from tests.allocations.postaward.conftest import award_of, end_award
from tests.conftest import activate_totp, assert_accessible, login, login_with_totp, open_menu
from tests.factories import GigafactoryFactory, ensure_platform_groups

pytestmark = [pytest.mark.browser]


def test_alice_files_her_final_report_and_carol_sees_it(page, carol, alice, alice_org):
    ensure_platform_groups()
    activate_totp(carol)
    gigafactory = GigafactoryFactory(name="Jupiter AI Gigafactory", slug="jupiter", host_country="DE")
    award = award_of(carol=carol, gigafactory=gigafactory, pi=alice, organisation=alice_org)
    end_award(award, ends_before=timezone.localdate() - dt.timedelta(days=10))
    services.final_reports_open()  # the hourly beat job
    reference = award.application.reference

    login(page, alice.email)
    page.get_by_role("link", name="My grants").click()
    page.get_by_role("link", name=re.compile(r"Final report, due")).click()
    page.wait_for_url(re.compile(r"/final-reports/\d+/$"))
    assert_accessible(page, "final-report-form")

    page.get_by_label("What the project achieved").fill("We trained Aurora-7B, an Estonian-Finnish speech model.")
    page.get_by_label("How the hours were used").fill("Pre-training on 256 GPUs, then fine-tuning and evaluation.")
    page.locator("#id_publications-0-doi").fill("10.1234/aurora.2027.1")
    page.locator("#id_publications-0-title").fill("Aurora speech: open ASR for Finnic languages")
    page.locator("#id_publications-0-venue").fill("Interspeech 2027")
    page.locator("#id_publications-0-year").fill("2027")
    page.locator("#id_publications-1-doi").fill("https://doi.org/10.1234/AURORA.2027.1")  # the same DOI
    page.locator("#id_publications-1-title").fill("Scaling Baltic ASR")
    page.locator("#id_publications-1-year").fill("2027")
    page.locator("#id_outputs-0-kind").select_option("model")
    page.locator("#id_outputs-0-title").fill("aurora-7b")
    page.locator("#id_outputs-0-url").fill("https://huggingface.co/aurora/aurora-7b")
    page.locator("#id_outputs-0-licence").fill("Apache-2.0")
    page.get_by_role("button", name="Submit the final report").click()
    page.locator("#error-summary").wait_for()
    assert page.get_by_text("is already listed (publication 1)").first.is_visible()
    assert_accessible(page, "final-report-errors")

    page.locator("#id_publications-1-doi").fill("10.48550/arXiv.2701.00001")
    page.get_by_role("button", name="Submit the final report").click()
    page.locator("#error-summary").wait_for()
    assert page.locator("#error-summary").get_by_text("Confirm that your publications").is_visible()
    page.get_by_label("Our publications and released outputs acknowledge").check()
    page.get_by_role("button", name="Submit the final report").click()
    page.get_by_text("Your final report was submitted").wait_for()
    assert page.locator("#report-status").inner_text() == "Submitted"
    assert page.locator("#report-publications li").count() == 2
    assert_accessible(page, "final-report-submitted")
    award.final_report.refresh_from_db()
    assert award.final_report.status == ReportStatus.SUBMITTED

    page.goto("/awards/")
    page.get_by_text("2 publications").click()
    assert page.get_by_role("link", name="Scaling Baltic ASR").is_visible()
    assert_accessible(page, "awards-register-publications")

    page.context.clear_cookies()  # sign alice out
    login_with_totp(page, carol)
    open_menu(page, "Staff")
    page.get_by_role("link", name="Staff home").click()
    page.get_by_role("link", name="Final reports").click()
    page.wait_for_url(re.compile(r"/staff/final-reports/$"))
    page.get_by_label("Status").select_option("submitted")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"state=submitted"))
    row = page.locator("#final-reports tbody tr", has_text=reference)
    assert row.get_by_text("Submitted").is_visible() and row.locator("td").last.inner_text() == "2"
    assert_accessible(page, "final-reports-staff-list")
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(r"/staff/final-reports/\d+/$"))
    assert page.get_by_role("link", name="10.48550/arXiv.2701.00001").is_visible()
    assert_accessible(page, "final-report-staff-detail")
