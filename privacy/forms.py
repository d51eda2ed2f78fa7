from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapFormMixin


class ErasureForm(BootstrapFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirmation = forms.CharField(
        label=_("Type your email address to confirm"),
        max_length=254,
        help_text=_("Erasure cannot be undone."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
