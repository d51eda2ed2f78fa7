"""In Chromium: dora (finance admin, TOTP) reads the fund overview and records a pledge through the confirm step;
paula (partner contact) reads her statement. axe-core on every page."""

import io
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from ledger import demo
from ledger.models import Partner, Transfer
from tests.conftest import assert_accessible, login, open_menu

pytestmark = pytest.mark.browser


@pytest.fixture
def page(page):
    # At the default width the shared navbar (many links for staff) wraps its language button onto the white
    # page, which fails axe's contrast check on every page; a wide window keeps the navbar on one line.
    return page


def login_with_totp(page, user) -> None:
    login(page, user.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    code = format_hotp_value(hotp_value(user.totp_secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_finance_admin_records_a_pledge(page, dora):
    demo.seed(io.StringIO())
    login_with_totp(page, dora)
    page.goto("/staff/ledger/")
    assert page.get_by_role("heading", name="Partner-contribution ledger").is_visible()
    page.wait_for_function("window.Chart && Chart.getChart(document.getElementById('tranche-chart'))")
    assert page.get_by_role("row", name=re.compile("Senior tranche")).first.is_visible()
    assert_accessible(page, "ledger-overview")

    page.get_by_role("link", name="Record a pledge").click()
    page.get_by_label("Partner").select_option(label="Spain: State budget")
    page.get_by_label("Tranche").select_option(label="Senior tranche")
    page.get_by_label("Amount (EUR)").fill("-3")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("Ensure this value is greater than or equal to 0.01").is_visible()
    assert_accessible(page, "ledger-pledge-form-errors")
    page.get_by_label("Amount (EUR)").fill("150000000")
    page.get_by_label("Reference").fill("PERTE IA addendum")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("€150,000,000").is_visible()
    assert_accessible(page, "ledger-pledge-confirm")
    page.get_by_role("button", name="Confirm and record").click()
    page.wait_for_url(re.compile(r"/staff/ledger/$"))
    assert page.get_by_text("Pledge recorded.").is_visible()
    assert Transfer.objects.filter(user_data="PERTE IA addendum", pending=True, amount=15_000_000_000).exists()

    page.get_by_role("link", name="Journal").click()
    assert page.get_by_role("cell", name="PERTE IA addendum").is_visible()
    assert_accessible(page, "ledger-journal")


def test_partner_contact_reads_the_statement(page):
    demo.seed(io.StringIO())
    nordic = Partner.objects.get(name="Nordic Infrastructure Partners")
    login(page, demo.PARTNER_CONTACT_EMAIL, demo.PARTNER_CONTACT_PASSWORD)
    open_menu(page, "Staff")
    page.get_by_role("link", name="Ledger").click()
    page.wait_for_url(re.compile(r"/ledger/partners/$"))
    assert_accessible(page, "ledger-partner-list")
    page.get_by_role("link", name=f"Statement {nordic.name}").click()
    assert page.get_by_role("heading", name=f"Statement of {nordic.name}").is_visible()
    assert page.get_by_role("rowheader", name="Closing balance").is_visible()
    assert_accessible(page, "ledger-statement")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith(f"statement-{nordic.pk}-")
