"""Offline checks of organisation and person identifiers (python-stdnum: format and check digit)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)
from stdnum.iso7064 import mod_11_2

from accounts.countries import ELIGIBLE_COUNTRIES, EU_MEMBER_STATES

# VAT prefixes that differ from the ISO country code.
VAT_PREFIX = {"GR": "EL"}


def validate_pic(value: str) -> None:
    if value and not re.fullmatch(r"[0-9]{9}", value):
        raise ValidationError(_("A PIC is exactly 9 digits, without letters or spaces."), code="pic")


def normalise_vat(value: str, country: str) -> str:
    """Compact a VAT number and add the country prefix when it was left out."""
    compact = re.sub(r"[\s.\-/]", "", value or "").upper()
    if not compact:
        return ""
    prefix = VAT_PREFIX.get(country, country)
    if country in EU_MEMBER_STATES and not compact[:2].isalpha():
        compact = prefix + compact
    return compact


def _country_name(code: str) -> str:
    return str(ELIGIBLE_COUNTRIES().name(code) or code)


def _validate_with_optional_prefix(module, value: str, country: str) -> None:
    """Some national modules expect the prefix (CHE...MWST), others the bare number: accept either form."""
    try:
        module.validate(value)
        return
    except StdnumError as exc:
        first_error = exc
    if value[:2] == country and module.is_valid(value[2:]):
        return
    raise first_error


def validate_vat(value: str, country: str) -> None:
    """Raise a ValidationError with a message an applicant can act on."""
    if not value:
        return
    name = _country_name(country)
    prefix = VAT_PREFIX.get(country, country)
    try:
        if country in EU_MEMBER_STATES:
            if not value.startswith(prefix):
                raise ValidationError(
                    _("A VAT number of an organisation in %(country)s starts with %(prefix)s.")
                    % {"country": name, "prefix": prefix},
                    code="vat_country",
                )
            eu_vat.validate(value)
            return
        module = get_cc_module(country.lower(), "vat")
        if module is None:
            return  # no offline check known for this country: accepted as given
        _validate_with_optional_prefix(module, value, country)
    except InvalidChecksum:
        raise ValidationError(_("This VAT number's check digit is wrong; please check for a typo."), code="vat")
    except InvalidLength:
        raise ValidationError(
            _("This VAT number has the wrong length for %(country)s.") % {"country": name}, code="vat"
        )
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("This is not a valid VAT number format for %(country)s.") % {"country": name}, code="vat"
        )
    except StdnumError:
        raise ValidationError(_("This VAT number is not valid."), code="vat")


# An ORCID iD: 16 characters in four groups, the last one an ISO 7064 MOD 11-2 check character (0-9 or X).
ORCID_PATTERN = re.compile(r"(?:https?://(?:www\.)?orcid\.org/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", re.I)


def normalise_orcid(value: str) -> str:
    """``0000-0002-1825-0097`` from the iD as people paste it (with the orcid.org URL, without hyphens, a lower-case
    x); text that is not shaped like an iD comes back stripped, for :func:`validate_orcid` to refuse."""
    text = (value or "").strip()
    match = ORCID_PATTERN.fullmatch(text)
    if not match:
        return text
    return "-".join(match.groups()).upper()


def validate_orcid(value: str) -> None:
    """An ORCID iD in its canonical form whose check character is right (ISO 7064 MOD 11-2)."""
    if not value:
        return
    if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", value):
        raise ValidationError(
            _("An ORCID iD has 16 characters in four groups, like 0000-0002-1825-0097."), code="orcid_format"
        )
    if not mod_11_2.is_valid(value.replace("-", "")):
        raise ValidationError(
            _("This ORCID iD's check character is wrong: look for a mistyped digit."), code="orcid_checksum"
        )
