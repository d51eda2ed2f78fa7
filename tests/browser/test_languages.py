"""Text that the browser writes speaks the page's language: the cut-off countdown of a call (units and lists
from Intl, the sentence around them from the catalogue) in English and after switching to German."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.conftest import assert_accessible
from tests.factories import CallFactory

pytestmark = pytest.mark.browser


def test_the_countdown_follows_the_language(page, db):
    call = CallFactory(cutoffs=[timezone.now() + dt.timedelta(days=3, hours=4, minutes=30)])
    page.goto(f"/calls/{call.slug}/")
    countdown = page.locator("[data-countdown]")
    assert re.fullmatch(r"3 days, 4 hours, (29|30) minutes left", countdown.inner_text()), countdown.inner_text()

    page.locator("#language-select").select_option("de")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url(f"**/calls/{call.slug}/")
    assert page.locator("html").get_attribute("lang") == "de"
    text = page.locator("[data-countdown]").inner_text()
    assert re.fullmatch(r"noch 3 Tage, 4 Stunden und (29|30) Minuten", text), text
    assert_accessible(page, "call-detail-de")
