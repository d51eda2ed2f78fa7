from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import MembershipRole, Organisation, TokenScope
from accounts.tokens import DEFAULT_DAYS, EXPIRY_CHOICES
from accounts.validators import normalise_orcid, validate_orcid
from portal.forms import BootstrapFormMixin


class OrganisationForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["legal_name", "short_name", "country", "type", "vat_number", "pic", "website", "founded_on"]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].error_messages["invalid_choice"] = _(
            "Choose an EU member state or a Horizon Europe associated country."
        )


class InvitationForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)


class MembershipRoleForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What will use it, e.g. 'usage sync script'.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        initial=[TokenScope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Read: look only. Write: also change things. Staff: use your staff role (needs a session that passed "
            "two-factor authentication; at most 30 days)."
        ),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        initial=DEFAULT_DAYS,
        choices=[(days, ngettext_lazy("%(n)d day", "%(n)d days", days) % {"n": days}) for days in EXPIRY_CHOICES],
    )


class ProfileForm(BootstrapFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,  # a form without the field keeps the stored language
        help_text=_("Pages and the emails the portal sends you are in this language."),
    )
    orcid = forms.CharField(
        label=_("ORCID iD"),
        max_length=60,
        required=False,
        help_text=_(
            "Optional. Your researcher identifier, e.g. 0000-0002-1825-0097; reviewers' conflict checks use it."
        ),
    )

    def clean_orcid(self) -> str:
        value = normalise_orcid(self.cleaned_data["orcid"])
        validate_orcid(value)
        return value


class InvitationAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
