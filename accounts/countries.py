"""Countries whose organisations may apply: EU member states and Horizon Europe associated countries."""

from django.utils.translation import gettext_lazy as _
from django_countries import Countries

EU_MEMBER_STATES = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE").split()
# Associated to Horizon Europe (status 2025): their organisations are eligible like member states'.
HORIZON_ASSOCIATED = "AL AM BA CA CH EG FO GB GE IL IS KR MD ME MK NO NZ RS TN TR UA XK".split()


class EligibleCountries(Countries):
    # Kosovo has no ISO 3166 code yet; XK is the code the European Commission uses.
    only = [*EU_MEMBER_STATES, *(c for c in HORIZON_ASSOCIATED if c != "XK"), ("XK", _("Kosovo"))]


ELIGIBLE_COUNTRIES = EligibleCountries
