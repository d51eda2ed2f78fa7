"""Non-text contrast (WCAG 1.4.11): form control borders and the focus ring reach 3:1 against white."""

import re
from pathlib import Path

from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
WHITE = "#ffffff"
EU_BLUE = "#003399"  # the navigation bar's background


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _custom_property(name: str) -> str:
    root = re.search(r":root\s*{([^}]*)}", CSS).group(1)
    return re.search(rf"{re.escape(name)}\s*:\s*(#[0-9a-fA-F]{{6}})", root).group(1)


def _rule(selector_part: str, declaration: str) -> bool:
    """Whether a rule whose selector list contains ``selector_part`` holds ``declaration``."""
    for selectors, body in re.findall(r"([^{}]+){([^}]*)}", CSS):
        if selector_part in [s.strip() for s in selectors.split(",")] and declaration in body:
            return True
    return False


def test_contrast_formula_matches_known_values():
    assert round(contrast("#dee2e6", WHITE), 2) == 1.3  # Bootstrap's default border: too faint
    assert round(contrast("#ffbf00", WHITE), 2) < 3  # the yellow ring alone on white
    assert round(contrast("#000000", WHITE), 0) == 21


def test_form_control_borders_reach_3_to_1_on_white():
    border = _custom_property("--portal-input-border")
    assert contrast(border, WHITE) >= 3
    for selector in (".form-control", ".form-select", ".form-check-input"):
        assert _rule(selector, "border-color: var(--portal-input-border)"), selector


def test_focus_ring_reaches_3_to_1_on_white_and_on_the_navigation_bar():
    outer = _custom_property("--portal-focus-ring")
    inner = _custom_property("--portal-focus-inner")
    assert contrast(outer, WHITE) >= 3
    assert contrast(inner, EU_BLUE) >= 3  # the inner ring stays visible on the blue navigation bar
    assert contrast(outer, inner) >= 3  # the two rings are told apart
    assert _rule(":focus-visible", "outline: 3px solid var(--portal-focus-ring)")
    assert _rule(":focus-visible", "var(--portal-focus-inner)")
    assert "#ffbf00 !important" not in CSS.split(":focus-visible", 1)[1].split("}", 1)[0]
