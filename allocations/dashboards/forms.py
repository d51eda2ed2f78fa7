"""Filter forms of the dashboards (GET, in the query string) and of the public awards register.

The choices are loaded once per request (``dashboards.selectors.filter_choices``) and validated in memory, so a
filter costs no query beyond the four that fill the drop-downs.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import OrganisationType
from allocations.dashboards.selectors import FilterChoices, Filters
from portal.forms import BootstrapFormMixin

PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")


class FilterForm(BootstrapFormMixin, forms.Form):
    gigafactory = forms.ChoiceField(label=_("Gigafactory"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False)
    call = forms.ChoiceField(label=_("Call"), required=False)
    mode = forms.ChoiceField(label=_("Access mode"), required=False)

    def __init__(self, data, *, choices: FilterChoices):
        super().__init__(data)
        self.lookup = {
            "gigafactory": {slug: pk for pk, slug, _name in choices.gigafactories},
            "call": {slug: pk for pk, slug, _title in choices.calls},
            "mode": {code: pk for pk, code, _name in choices.modes},
        }
        everything = [("", _("All"))]
        self.fields["gigafactory"].choices = everything + [(slug, name) for _pk, slug, name in choices.gigafactories]
        self.fields["period"].choices = everything + [(f"{y}-Q{q}", f"{y} Q{q}") for y, q in choices.periods]
        self.fields["call"].choices = everything + [(slug, title) for _pk, slug, title in choices.calls]
        self.fields["mode"].choices = everything + [(code, name) for _pk, code, name in choices.modes]

    def filters(self) -> Filters:
        """The validated filters as ids (call only after ``is_valid()``)."""
        data = self.cleaned_data
        year = quarter = None
        if match := PERIOD.match(data.get("period") or ""):
            year, quarter = int(match[1]), int(match[2])
        return Filters(
            gigafactory_id=self.lookup["gigafactory"].get(data.get("gigafactory")),
            year=year,
            quarter=quarter,
            call_id=self.lookup["call"].get(data.get("call")),
            mode_id=self.lookup["mode"].get(data.get("mode")),
        )


def _country_choices():
    return [(code, name) for code, name in ELIGIBLE_COUNTRIES()]


class AwardsFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    gigafactory = forms.ChoiceField(label=_("Gigafactory"), required=False)
    mode = forms.ChoiceField(label=_("Access mode"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    organisation_type = forms.ChoiceField(label=_("Organisation type"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, choices: dict):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["gigafactory"].choices = everything + choices["gigafactories"]
        self.fields["mode"].choices = everything + choices["modes"]
        self.fields["country"].choices = everything + _country_choices()
        self.fields["organisation_type"].choices = everything + list(OrganisationType.choices)
        self.fields["year"].choices = everything + [(y, str(y)) for y in choices["years"]]

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "gigafactory": data.get("gigafactory") or "",
            "mode": data.get("mode") or "",
            "country": data.get("country") or "",
            "organisation_type": data.get("organisation_type") or "",
            "year": data.get("year"),
        }
