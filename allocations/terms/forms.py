"""Forms of the terms pages: a version's texts (staff) and the acceptance (everyone)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from allocations.models import Gigafactory
from allocations.models.terms import TermsKind
from portal.forms import BootstrapFormMixin

TEXT_FIELDS = ("title", "body", "title_de", "body_de", "title_fr", "body_fr", "changes")


class TermsVersionForm(BootstrapFormMixin, forms.Form):
    """A draft's texts; on a new draft also which document it belongs to."""

    kind = forms.ChoiceField(label=_("Document"), choices=TermsKind.choices)
    gigafactory = forms.ModelChoiceField(
        label=_("Gigafactory"),
        queryset=Gigafactory.objects.order_by("name"),
        required=False,
        help_text=_("For an acceptable-use policy: the site it applies to. Empty for the platform terms."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text (English)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: ## for a heading, * for a list item, [text](https://...) for a link."),
    )
    title_de = forms.CharField(label=_("Title in German"), max_length=200, required=False)
    body_de = forms.CharField(label=_("Text in German"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    title_fr = forms.CharField(label=_("Title in French"), max_length=200, required=False)
    body_fr = forms.CharField(label=_("Text in French"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    changes = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("A few lines for the people who accepted the previous version."),
    )

    def __init__(self, *args, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["kind"]
            del self.fields["gigafactory"]

    def texts(self) -> dict:
        return {name: self.cleaned_data[name] for name in TEXT_FIELDS}


class TermsAcceptForm(BootstrapFormMixin, forms.Form):
    """The versions shown on the page (hidden) and one confirmation."""

    version = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    agree = forms.BooleanField(
        label=_("I have read the documents above and accept them."),
        error_messages={"required": _("Tick the box to accept the documents.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v.pk, str(v)) for v in versions]
        self.fields["version"].error_messages["invalid_choice"] = _(
            "These terms changed while you were reading; read the current version below."
        )
