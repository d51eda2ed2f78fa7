"""Numbers, money, percentages and deadlines in the active language (see ``portal.l10n``)."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from portal import l10n

register = template.Library()


@register.filter
def number(value, decimal_pos=None) -> str:
    """``{{ 2000000|number }}``: "2,000,000", "2.000.000", "2 000 000"; "—" when empty (unlike ``intcomma``)."""
    return l10n.number(value, None if decimal_pos in (None, "") else int(decimal_pos))


@register.filter
def percentage(value, decimal_pos=0) -> str:
    """A value already in percent: ``{{ 80|percentage }}`` -> "80%", "80 %"."""
    return l10n.percent(value, int(decimal_pos))


@register.filter
def money(cents) -> str:
    """Euro cents: "€12,000", "12.000 €", "12 000 €"."""
    return l10n.money(cents)


@register.filter
def deadline(moment) -> str:
    """A deadline in Brussels time with its zone: "7 Dec 2026, 12:00 CET"."""
    return l10n.deadline(moment)


def _foreign_content() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0] != settings.CONTENT_LANGUAGE


@register.simple_tag
def content_lang() -> str:
    """`` lang="en"`` on an element holding call texts (titles, descriptions, criteria: written in English) when the
    page is in another language (WCAG 3.1.2, language of parts); nothing on English pages."""
    return format_html(' lang="{}"', settings.CONTENT_LANGUAGE) if _foreign_content() else ""


@register.filter
def in_content_language(text) -> str:
    """A call text inside a sentence or a cell, wrapped in ``<span lang="en">`` on German and French pages."""
    if text is None or text == "":
        return ""
    return format_html('<span lang="{}">{}</span>', settings.CONTENT_LANGUAGE, text) if _foreign_content() else text
