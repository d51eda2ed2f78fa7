"""Numbers, money, percentages and deadlines as people read them in the active language.

Dates use the formats of ``portal/formats/<language>`` (one date and one date-time presentation per language);
numbers use the language's separators. Call cut-offs and other deadlines are Brussels time and name their zone.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_noop

DEADLINE_ZONE = ZoneInfo("Europe/Brussels")
NBSP = "\xa0"
# English writes "12.5%" and "€1,200"; German and French put a (non-breaking) space before "%" and after the amount.
_PREFIX_CURRENCY = frozenset({"en"})

# Django 6.1's empty choice of a select (BLANK_CHOICE_LABEL), which Django's own catalogues do not translate yet:
# named here so that makemessages keeps it in ours.
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def number(value, decimal_pos: int | None = None) -> str:
    """An integer or decimal with the active language's grouping and decimal separators; "—" for ``None``."""
    if value is None or value == "":
        return "—"
    return formats.number_format(value, decimal_pos=decimal_pos, use_l10n=True, force_grouping=True)


def ratio(numerator: int, denominator: int, places: int = 1) -> Decimal:
    """An exact decimal quotient of two integers, rounded down to ``places`` (no float on the way)."""
    scale = 10**places
    sign = -1 if numerator < 0 else 1
    return sign * Decimal(abs(numerator) * scale // denominator) / scale


def percent(value, decimal_pos: int = 1) -> str:
    """A percentage: "13.6%" in English, "13,6 %" in German and French (non-breaking space)."""
    if value is None or value == "":
        return "—"
    text = number(value, decimal_pos)
    return f"{text}%" if _language() in _PREFIX_CURRENCY else f"{text}{NBSP}%"


def money(cents, *, currency_symbol: str = "€", show_cents: bool | None = None) -> str:
    """An amount in euro cents: "€12,000,000" in English, "12.000.000 €" in German, "12 000 000 €" in French.

    Cents are shown when the amount has any (or when ``show_cents`` asks for them)."""
    if cents is None or cents == "":
        return "—"
    cents = int(cents)
    places = 2 if (show_cents or (show_cents is None and cents % 100)) else 0
    amount = number(ratio(abs(cents), 100, 2) if places else abs(cents) // 100, places or None)
    sign = "-" if cents < 0 else ""
    if _language() in _PREFIX_CURRENCY:
        return f"{sign}{currency_symbol}{amount}"
    return f"{sign}{amount}{NBSP}{currency_symbol}"


def deadline(moment: datetime.datetime | None) -> str:
    """A deadline in Brussels time with its zone named, the same abbreviation in every language:
    "7 Dec 2026, 12:00 CET", "07.12.2026, 12:00 CET", "07/12/2026 12:00 CET"."""
    if not isinstance(moment, datetime.datetime):
        return "—"  # None, or a template's empty value for a missing cut-off
    local = moment.astimezone(DEADLINE_ZONE) if timezone.is_aware(moment) else moment
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname() or ''}".strip()


def moment(value: datetime.datetime | None) -> str:
    """A date and time in the current time zone (a raw SQL row's UTC value included), the language's format."""
    if value is None:
        return "—"
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(local, "DATETIME_FORMAT")
