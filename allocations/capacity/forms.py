"""Forms of the capacity pages. Validation of substance (bounds, duplicates, shares) lives in the services."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocations.models import AccessMode, Gigafactory
from allocations.models.capacity import POLICY_CHOICES
from portal.forms import BootstrapFormMixin


def _this_year() -> int:
    return timezone.localdate().year


class PeriodForm(BootstrapFormMixin, forms.Form):
    gigafactory = forms.ModelChoiceField(label=_("Gigafactory"), queryset=Gigafactory.objects.order_by("name"))
    year = forms.IntegerField(label=_("Year"), min_value=2024, max_value=2100, initial=_this_year)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=[(q, f"Q{q}") for q in (1, 2, 3, 4)], initial=1
    )
    accelerators = forms.IntegerField(
        label=_("Accelerators"), min_value=1, required=False, help_text=_("Empty: the Gigafactory's accelerator count.")
    )
    availability_percent = forms.IntegerField(
        label=_("Availability (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Empty: the Gigafactory's availability."),
    )
    reserve_percent = forms.IntegerField(
        label=_("Reserve (%)"),
        min_value=0,
        max_value=99,
        initial=5,
        help_text=_("Kept back for maintenance and strategic use."),
    )


class SplitForm(BootstrapFormMixin, forms.Form):
    """One share per access mode (percent of the open-access share, which the EU's paid-in share sets; up to two
    decimals, 100 % in all) and the entitlement date."""

    entitlements_on = forms.DateField(
        label=_("Partner entitlements as of"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The open-access share is the EU programmes' share of the contributions paid in by this day, at most "
            "50 %; the other partners share the rest by theirs."
        ),
    )

    scale_commitments = forms.BooleanField(
        label=_("Scale commitments down pro rata if they do not fit"),
        required=False,
        help_text=_(
            "Unticked, a split whose pools cannot hold the slices of awards already made is refused with the numbers."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.modes = list(AccessMode.objects.order_by("position", "name"))
        for mode in self.modes:
            self.fields[f"mode_{mode.pk}"] = forms.DecimalField(
                label=_("Share of the open-access hours for %(mode)s (%%)") % {"mode": mode.name},
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                initial=Decimal(0),
                required=False,
            )
        self.fields["entitlements_on"].initial = timezone.localdate
        self.order_fields([f"mode_{m.pk}" for m in self.modes] + ["entitlements_on", "scale_commitments"])
        for mode in self.modes:  # added after the mixin styled the declared fields
            self.fields[f"mode_{mode.pk}"].widget.attrs["class"] = "form-control"

    def shares_bp(self) -> dict[int, int]:
        return {
            mode.pk: int(self.cleaned_data[f"mode_{mode.pk}"] * 100)
            for mode in self.modes
            if self.cleaned_data.get(f"mode_{mode.pk}")
        }


class RunForm(BootstrapFormMixin, forms.Form):
    policy = forms.ChoiceField(label=_("Policy"), choices=POLICY_CHOICES)


class RespondForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])


class DirectAwardForm(BootstrapFormMixin, forms.Form):
    """A direct award from a partner's pool: the application by its reference, the hours and why."""

    reference = forms.CharField(
        label=_("Application reference"),
        max_length=40,
        help_text=_("An approved application, or one the panel waitlisted that the partner sponsors."),
    )
    hours = forms.IntegerField(
        label=_("GPU-hours over the project"),
        min_value=1,
        help_text=_("Sliced per quarter the project runs; each split quarter's slice comes from that quarter's pool."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Recorded with the award and shown to allocation admins."),
    )
