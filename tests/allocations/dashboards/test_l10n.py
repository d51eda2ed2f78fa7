"""The dashboards in English, German and French: cut-offs in Brussels time as on the call page, percentages and
euros with each language's separators and symbol placement, and the chart palette told apart by luminance."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from allocations.dashboards.services import usage_summary_refresh
from allocations.models import CallCutoff
from ledger import demo as ledger_demo

CUTOFF = dt.datetime(2030, 3, 14, 17, 0, tzinfo=dt.UTC)  # 18:00 in Brussels (CET)


def _page(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


def test_funnel_cutoff_is_the_call_pages_brussels_time(carol_client, seeded):
    CallCutoff.objects.filter(call=seeded["call"]).update(at=CUTOFF)
    usage_summary_refresh(trigger="test")
    call_page = _page(carol_client, f"/calls/{seeded['call'].slug}/", "en")
    assert "14 Mar 2030, 18:00" in call_page
    funnel = _page(carol_client, "/staff/dashboards/funnel/", "en")
    assert ">14 Mar 2030, 18:00 CET<" in funnel
    assert not re.search(r">[^<]*17:00", funnel), "the UTC time of the cut-off"


@pytest.mark.parametrize(
    ("language", "cutoff", "percent"),
    [
        ("en", "14 Mar 2030, 18:00 CET", r"\d+\.\d%"),
        ("de", "14.03.2030, 18:00 CET", r"\d+,\d\xa0%"),
        ("fr", "14/03/2030 18:00 CET", r"\d+,\d\xa0%"),
    ],
)
def test_funnel_dates_and_percentages_per_language(carol_client, seeded, language, cutoff, percent):
    CallCutoff.objects.filter(call=seeded["call"]).update(at=CUTOFF)
    usage_summary_refresh(trigger="test")
    page = _page(carol_client, "/staff/dashboards/funnel/", language)
    assert cutoff in page
    assert re.search(percent, page), "success rate"
    assert not re.search(r"\d\.\d %", page), "an English decimal point with a space before %"


@pytest.mark.parametrize(
    ("language", "money", "wrong"),
    [
        ("en", r"€\d{1,3}(,\d{3})+", "€ "),
        ("de", r"\d{1,3}(\.\d{3})+\xa0€", "€ "),
        ("fr", r"\d{1,3}(\xa0\d{3})+\xa0€", "€ "),
    ],
)
def test_fund_euros_and_shares_per_language(carol_client, seeded, language, money, wrong):
    ledger_demo.seed(io.StringIO())
    page = _page(carol_client, "/staff/dashboards/fund/", language)
    assert re.search(money, page)
    assert wrong not in page
    assert not re.search(r"\d\.\d\d %", page)


def test_french_funnel_headers_count_applications_in_the_plural(carol_client, seeded):
    page = _page(carol_client, "/staff/dashboards/funnel/", "fr")
    for header in ("Brouillons", "Soumises", "Éligibles", "Évaluées", "Approuvées", "Proposées", "Acceptées"):
        assert f">{header}</th>" in page, header


def test_french_start_up_share_agrees_with_zero_hours(carol_client, seeded):
    """French puts 0 and 1 in the singular: "0 heure GPU attribuée"."""
    from accounts.models import Organisation

    Organisation.objects.filter(type__in=["startup", "sme"]).update(type="university")
    usage_summary_refresh(trigger="test")
    page = _page(carol_client, "/staff/dashboards/distribution/", "fr")
    assert "0 heure GPU attribuée, 0 utilisée." in page
    english = _page(carol_client, "/staff/dashboards/distribution/", "en")
    assert "0 GPU-hours granted" in english


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_chart_colours_differ_by_luminance():
    """One palette for every chart: the first four colours (the series most charts draw) differ pairwise by at
    least 1.5:1 in luminance contrast, so they stay apart in greyscale and for colour-blind readers (green #1a7f37
    and orange #b35900 were 1.05:1); every colour reaches 3:1 on white. The charts take no colour of their own."""
    js = Path(settings.BASE_DIR) / "static" / "js"
    match = re.search(r"const COLOURS = \[([^\]]+)\]", (js / "portal.js").read_text())
    assert match, "the palette is one COLOURS list in portal.js"
    colours = re.findall(r'"(#[0-9a-fA-F]{6})"', match.group(1))
    assert len(colours) >= 5
    for colour in colours:
        assert _contrast(colour, "#ffffff") >= 3, colour
    first = colours[:4]
    for i, a in enumerate(first):
        for b in first[i + 1 :]:
            assert _contrast(a, b) >= 1.5, (a, b)
    for script in ("dashboards.js", "ledger.js", "usage.js"):
        source = (js / script).read_text()
        assert not re.search(r"#[0-9a-fA-F]{6}", source), script
        assert "PortalCharts" in source and ".localize(" in source, script
