"""Forms of the call designer. They parse; the rules live in ``allocations.applications.calls.services``."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.countries import ELIGIBLE_COUNTRIES
from accounts.models import OrganisationType
from allocations.models import AccessMode, Call, CallDocumentSlot, CallQuestion, Gigafactory, QuestionKind
from portal.forms import BootstrapFormMixin

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _parse_moment(text: str, line: int) -> dt.datetime:
    for fmt in DATETIME_FORMATS:
        try:
            return timezone.make_aware(dt.datetime.strptime(text.strip(), fmt))  # noqa: DTZ007 - made aware here
        except ValueError:
            continue
    raise ValidationError(
        _("Line %(n)d: write a date and time as YYYY-MM-DD HH:MM, e.g. 2027-03-31 17:00.") % {"n": line}
    )


class CutoffsField(forms.CharField):
    """One cut-off per line, ``YYYY-MM-DD HH:MM`` in the portal's time zone."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(timezone.localtime(at).strftime("%Y-%m-%d %H:%M") for at in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [_parse_moment(line, i) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]


class MonthsField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise ValidationError(_("Give whole months separated by commas, e.g. 3, 6, 12.")) from None


SCALES = [("0", _("0 to 5")), ("1", _("1 to 5"))]


class CallForm(BootstrapFormMixin, forms.ModelForm):
    gigafactories = forms.ModelMultipleChoiceField(
        label=_("Gigafactories"),
        queryset=Gigafactory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scale = forms.ChoiceField(label=_("Score scale"), choices=SCALES, initial="0")
    eligible_organisation_types = forms.MultipleChoiceField(
        label=_("Eligible organisation types"),
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked for every type."),
    )
    eligible_countries = forms.MultipleChoiceField(
        label=_("Eligible countries"),
        choices=[],
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Leave empty for every EU member state and associated country."),
    )
    allowed_durations_months = MonthsField(
        label=_("Allowed durations (months)"),
        required=False,
        help_text=_("Separated by commas, e.g. 3, 6, 12. Empty: any duration up to the mode's maximum."),
    )

    class Meta:
        model = Call
        fields = [
            "title",
            "slug",
            "summary",
            "description",
            "access_mode",
            "opens_at",
            "is_continuous",
            "min_request_gpu_hours",
            "max_request_gpu_hours",
            "max_applications_per_organisation",
            "reviewers_per_application",
            "reply_window_days",
            "blind_review",
            "pool_gpu_hours_per_quarter",
            "awards_confidential",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 8}), "opens_at": DateTimeLocalInput()}
        help_texts = {"slug": _("The call's address: letters, digits and hyphens. Empty: made from the title.")}

    field_order = ["title", "slug", "summary", "description", "access_mode", "gigafactories", "opens_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gigafactories"].queryset = Gigafactory.objects.order_by("name")
        self.fields["access_mode"].queryset = AccessMode.objects.order_by("position")
        self.fields["eligible_countries"].choices = [(c.code, str(c.name)) for c in ELIGIBLE_COUNTRIES()]
        self.fields["opens_at"].input_formats = DATETIME_FORMATS
        self.fields["slug"].required = False
        if self.instance.pk:
            self.initial.setdefault("gigafactories", list(self.instance.gigafactories.all()))
            self.initial.setdefault("scale", str(self.instance.score_min))
            self.initial.setdefault("eligible_organisation_types", self.instance.eligible_organisation_types)
            self.initial.setdefault("eligible_countries", [c.code for c in self.instance.eligible_countries])
            self.initial.setdefault("allowed_durations_months", self.instance.allowed_durations_months)
            if self.instance.status != "draft":
                # Published: only the texts may change; the other fields show their values, read-only.
                for name, field in self.fields.items():
                    if name not in ("summary", "description"):
                        field.disabled = True

    def _post_clean(self):
        pass  # the service validates and saves

    def values(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in self._meta.fields if name in data}
        values["slug"] = values.get("slug") or ""
        values["score_min"], values["score_max"] = int(data.get("scale") or 0), 5
        values["eligible_organisation_types"] = list(data.get("eligible_organisation_types") or [])
        values["eligible_countries"] = list(data.get("eligible_countries") or [])
        values["allowed_durations_months"] = data.get("allowed_durations_months") or []
        return values


class NewCallForm(CallForm):
    cutoffs = CutoffsField(
        label=_("Cut-offs"),
        required=False,
        help_text=_("One per line, YYYY-MM-DD HH:MM (Brussels time), in order. You can add them later."),
    )


class CloneForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title of the new call"), max_length=200)
    slug = forms.SlugField(label=_("Slug"), max_length=120, required=False, help_text=_("Empty: made from the title."))
    cutoffs = CutoffsField(
        label=_("Cut-offs"), required=False, help_text=_("One per line, YYYY-MM-DD HH:MM. You can add them later.")
    )


class CutoffsForm(BootstrapFormMixin, forms.Form):
    cutoffs = CutoffsField(
        label=_("Cut-offs"), required=False, help_text=_("One per line, YYYY-MM-DD HH:MM (Brussels time), in order.")
    )


class ExtendCutoffForm(BootstrapFormMixin, forms.Form):
    new_at = forms.DateTimeField(label=_("New cut-off"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput())


class CriterionForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=100, required=False)
    weight = forms.IntegerField(label=_("Weight"), required=False)
    threshold = forms.IntegerField(label=_("Threshold"), required=False)


CriteriaFormSet = forms.formset_factory(CriterionForm, extra=2, max_num=10, validate_max=True)


class QuestionForm(BootstrapFormMixin, forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For single and multiple choice: one choice per line."),
    )

    class Meta:
        model = CallQuestion
        fields = [
            "kind",
            "label",
            "help_text",
            "required",
            "max_length",
            "word_limit",
            "min_value",
            "max_value",
            "unit",
            "scientific",
            "step",
        ]
        help_texts = {
            "max_length": _("Short text only. Empty: 300."),
            "word_limit": _("Long text only."),
            "min_value": _("Number only."),
            "max_value": _("Number only."),
            "unit": _("Number only, e.g. nodes or TB."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = QuestionKind.choices
        self.fields["step"].required = False  # left out: a new question goes to "Call questions", an edited one stays
        if self.instance.pk:
            self.initial["choices"] = "\n".join(self.instance.choices or [])

    def _post_clean(self):
        pass

    def values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self._meta.fields}
        values["choices"] = [
            line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()
        ]
        values["help_text"] = values["help_text"] or ""
        values["unit"] = values["unit"] or ""
        if not values["step"]:
            del values["step"]
        return values


class SlotForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CallDocumentSlot
        fields = ["name", "help_text", "required", "max_size_mb"]
        help_texts = {"max_size_mb": _("PDF only; between 1 and 50 MB.")}

    def _post_clean(self):
        pass

    def values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self._meta.fields}
        values["help_text"] = values["help_text"] or ""
        return values
