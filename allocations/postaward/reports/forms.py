from django import forms
from django.utils.translation import gettext_lazy as _

from allocations.models import Gigafactory
from allocations.models.reports import ACHIEVEMENTS_MAX_WORDS, OutputKind, normalise_doi, validate_doi, word_count
from portal.forms import BootstrapFormMixin

EMPTY_PUBLICATION_ROWS = 2
EMPTY_OUTPUT_ROWS = 1


class ReportForm(BootstrapFormMixin, forms.Form):
    achievements = forms.CharField(
        label=_("What the project achieved"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Results, models trained, what you learnt. At most %(n)s words.") % {"n": "1,000"},
    )
    hours_usage = forms.CharField(
        label=_("How the hours were used"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The workloads you ran (training, fine-tuning, inference, experiments) and what worked."),
    )
    acknowledgement_confirmed = forms.BooleanField(
        label=_("Our publications and released outputs acknowledge the access awarded on the Gigafactory."),
        required=False,
        help_text=_(
            "For example: “We acknowledge the EuroHPC Joint Undertaking for awarding this project access to the "
            "AI Gigafactory.” Required to submit."
        ),
    )

    def clean_achievements(self):
        text = self.cleaned_data["achievements"]
        if word_count(text) > ACHIEVEMENTS_MAX_WORDS:
            raise forms.ValidationError(
                _("Write at most %(max)d words (now %(n)d).") % {"max": ACHIEVEMENTS_MAX_WORDS, "n": word_count(text)}
            )
        return text


class PublicationForm(BootstrapFormMixin, forms.Form):
    doi = forms.CharField(
        label=_("DOI"),
        max_length=200,
        validators=[validate_doi],
        help_text=_("For example 10.1234/abcd.5678; a https://doi.org/ link works too."),
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def clean_doi(self):
        return normalise_doi(self.cleaned_data["doi"])

    def has_changed(self):
        # A row counts as filled once any field is, saved or new (an unchanged saved row is kept, not skipped).
        return any(str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields)


class OutputForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutputKind.choices)
    title = forms.CharField(label=_("Name"), max_length=200)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    licence = forms.CharField(
        label=_("Licence"), max_length=100, help_text=_("For example Apache-2.0, CC-BY-4.0, MIT.")
    )

    def has_changed(self):
        # The kind select always has a value: a row counts as filled once any text field is.
        return any(self.data.get(self.add_prefix(name), "").strip() for name in ("title", "url", "licence"))


class RowFormSet(forms.BaseFormSet):
    """Rows of a list the service replaces as a whole: every row may be left empty (or emptied) to drop it."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "empty_permitted": True}

    def filled(self) -> list[forms.Form]:
        return [form for form in self.forms if form.has_changed()]


PublicationFormSet = forms.formset_factory(
    PublicationForm, formset=RowFormSet, extra=EMPTY_PUBLICATION_ROWS, max_num=50, validate_max=True
)
OutputFormSet = forms.formset_factory(
    OutputForm, formset=RowFormSet, extra=EMPTY_OUTPUT_ROWS, max_num=50, validate_max=True
)


STATE_CHOICES = [
    ("", _("Every report")),
    ("overdue", _("Overdue")),
    ("due", _("Not yet due")),
    ("submitted", _("Submitted")),
]


class StaffFilterForm(BootstrapFormMixin, forms.Form):
    state = forms.ChoiceField(label=_("Status"), choices=STATE_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search"), max_length=100, required=False, help_text=_("Reference, project or organisation.")
    )
    gigafactory = forms.ChoiceField(label=_("Gigafactory"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        gigafactories = Gigafactory.objects.order_by("name").values_list("slug", "name")
        self.fields["gigafactory"].choices = [("", _("Every Gigafactory")), *gigafactories]
