"""Forms of the finance pages. Amounts are typed in euros and handed to services as integer cents."""

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.models import Partner, Tranche, TransferCode
from portal.forms import BootstrapFormMixin

MAX_EUROS = Decimal("90000000000000.00")  # far below the bigint limit of a counter in cents


def euros_to_cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class EuroField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_value", MAX_EUROS)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
        super().__init__(**kwargs)


class _IdempotentForm(BootstrapFormMixin, forms.Form):
    """Carries the id of the transfer to create from the first page to the confirmation, so a double submit is
    answered ``exists`` and moves nothing twice."""

    transfer_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class ContributionForm(_IdempotentForm):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.order_by("name"))
    tranche = forms.ModelChoiceField(
        label=_("Tranche"), queryset=Tranche.objects.select_related("fund").order_by("fund_id", "risk_rank")
    )
    amount = EuroField(label=_("Amount (EUR)"), help_text=_("In euros, e.g. 250000000.00 for EUR 250 million."))
    reference = forms.CharField(
        label=_("Reference"), max_length=200, required=False, help_text=_("Agreement or invoice number.")
    )

    def amount_cents(self) -> int:
        return euros_to_cents(self.cleaned_data["amount"])


class PostPendingForm(_IdempotentForm):
    amount = EuroField(
        label=_("Amount (EUR)"),
        required=False,
        help_text=_("Leave empty for the whole open amount; a smaller amount keeps the rest open."),
    )
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False)

    def amount_cents(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        return None if amount is None else euros_to_cents(amount)


class VoidPendingForm(_IdempotentForm):
    reference = forms.CharField(label=_("Reason or reference"), max_length=200, required=False)


class ReverseForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is this entry wrong?"), max_length=200)


class DateRangeForm(BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["date_from"] = data.get("date_from") or today.replace(month=1, day=1)
        data["date_to"] = data.get("date_to") or today
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data


class TransferFilterForm(DateRangeForm):
    ledger = forms.ChoiceField(
        label=_("Ledger"),
        required=False,
        choices=[("EUR", _("EUR (euros)")), ("GPU", _("GPU (GPU-hours)"))],
        initial="EUR",
    )
    code = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *TransferCode.choices])
    account = forms.IntegerField(label=_("Account number"), required=False, min_value=1)

    def clean(self):
        data = forms.Form.clean(self)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data
