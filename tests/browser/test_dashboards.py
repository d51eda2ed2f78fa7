"""Dashboards in Chromium: carol (with a real TOTP authenticator) opens each dashboard, changes a filter (htmx swaps
the panels and the URL follows), downloads a CSV; anonymous visitors search the public awards register. axe-core
runs on every page, charts' table alternatives included (screenshots in test-artifacts/)."""

import re

import pytest

from tests.allocations.dashboards.conftest import _platform_groups, activate_totp, seeded  # noqa: F401
from tests.conftest import assert_accessible, login_with_totp

pytestmark = [pytest.mark.browser]


def test_carol_reads_the_dashboards(page, carol, seeded):  # noqa: F811
    activate_totp(carol)
    # Below 1200 px the navigation collapses behind its toggle (carol's many roles overfill the expanded bar).
    page.set_viewport_size({"width": 1180, "height": 900})
    login_with_totp(page, carol)
    page.goto("/staff/dashboards/")
    page.wait_for_url(re.compile(r"/staff/dashboards/$"))
    assert page.get_by_role("heading", name="Capacity and use per Gigafactory and quarter").is_visible()
    # The stacked chart is drawn next to its table.
    page.wait_for_function(
        "document.querySelector('canvas[data-chart]') && Chart.getChart(document.querySelector('canvas[data-chart]'))"
    )
    assert_accessible(page, "dashboards-overview")
    page.set_viewport_size({"width": 1280, "height": 900})
    region = page.locator("#table-overview").locator("xpath=..")
    widths = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert widths[0] <= widths[1], f"the overview table fits at 1280 px: {widths}"
    page.set_viewport_size({"width": 1180, "height": 900})

    page.get_by_label("Gigafactory", exact=True).select_option("jupiter")
    page.wait_for_url(re.compile(r"gigafactory=jupiter"))
    assert page.locator("#table-overview tbody tr").count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download CSV\W+Capacity and use per")).click()
    download = download_info.value
    assert download.suggested_filename == "overview-overview.csv"
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith("Gigafactory,Quarter,") and "6500" in text

    for tab, heading, shot in (
        ("Call funnel", "Funnel per call and cut-off", "dashboards-funnel"),
        ("Who gets the compute", "By organisation type", "dashboards-distribution"),
        ("Fund and partners", "Partner entitlements and the hours their pools received", "dashboards-fund"),
        ("Reviewers", "Load per reviewer", "dashboards-reviewers"),
    ):
        page.get_by_role("link", name=tab).click()
        page.wait_for_load_state()
        assert "gigafactory=jupiter" in page.url, "the filter follows the tabs"
        assert page.get_by_role("heading", name=heading).is_visible()
        assert_accessible(page, shot)


def test_anonymous_searches_the_awards_register(page, seeded):  # noqa: F811
    page.goto("/")
    page.get_by_role("link", name="Awards").click()
    page.wait_for_url(re.compile(r"/awards/$"))
    assert page.get_by_role("cell", name="Lumière SAS").is_visible()
    assert page.get_by_text("Confidential").first.is_visible()
    assert_accessible(page, "awards-register")
    page.get_by_role("textbox", name="Search").fill("Aurora")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=Aurora"))
    assert page.get_by_role("heading", name="1 award").is_visible()
    assert_accessible(page, "awards-register-search")


def test_charts_speak_the_pages_language(page, carol, seeded):  # noqa: F811
    """carol reads German: the funnel's cut-off, its percentages and the chart's numbers (ticks and tooltips through
    Intl.NumberFormat) use German separators."""
    activate_totp(carol)
    carol.language = "de"
    carol.save(update_fields=["language"])
    page.set_viewport_size({"width": 1180, "height": 900})
    login_with_totp(page, carol)
    page.goto("/staff/dashboards/funnel/")
    page.wait_for_function(
        "document.querySelector('canvas[data-chart]') && Chart.getChart(document.querySelector('canvas[data-chart]'))"
    )
    assert page.locator("html").get_attribute("lang") == "de"
    chart = "Chart.getChart(document.querySelector('canvas[data-chart]'))"
    assert page.evaluate(f"{chart}.options.locale") == "de"
    assert page.evaluate("PortalCharts.number(1234567.5)") == "1.234.567,5"
    label = page.evaluate(
        f"{chart}.options.plugins.tooltip.callbacks.label({{dataset: {{label: 'Anträge'}}, parsed: {{y: 12345}}}})"
    )
    assert label == "Anträge: 12.345"
    assert re.search(r"\d+,\d\s%", page.locator("#table-funnel").inner_text())
    assert_accessible(page, "dashboards-funnel-de")
