"""Forms of the change-request pages: one form per kind for the PI, the decision for staff, the staff filters.
The rules themselves live in ``rules`` (the service checks them); these forms only parse."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from allocations.models import Gigafactory
from allocations.models.changes import ChangeKind, ChangeRequest, ChangeStatus, TeamOperation
from portal.forms import BootstrapFormMixin

MAX_HOURS = 10_000_000


class ChangeRequestForm(BootstrapFormMixin, forms.Form):
    justification = forms.CharField(
        label=_("Why is the change needed?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("The allocation admins read it when they decide."),
    )


class ExtensionForm(ChangeRequestForm):
    new_ends_on = forms.DateField(
        label=_("New end (first day without access)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("No hours are added: the hours left on the last slice stay usable until then."),
    )
    field_order = ["new_ends_on", "justification"]


class SupplementForm(ChangeRequestForm):
    hours = forms.IntegerField(label=_("Extra GPU-hours"), min_value=1, max_value=MAX_HOURS)
    field_order = ["hours", "justification"]


class TransferForm(ChangeRequestForm):
    target_grant = forms.ModelChoiceField(
        label=_("Receiving grant"),
        queryset=None,
        help_text=_("Another running grant of your organisation on the same Gigafactory. Its PI must agree."),
    )
    hours = forms.IntegerField(label=_("GPU-hours to move"), min_value=1, max_value=MAX_HOURS)
    field_order = ["target_grant", "hours", "justification"]

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_grant"].queryset = targets
        self.fields["target_grant"].label_from_instance = lambda g: f"{g.application.reference} · {g.period}"


class TeamChangeForm(ChangeRequestForm):
    team_operation = forms.ChoiceField(label=_("Change"), choices=TeamOperation.choices)
    person_email = forms.EmailField(label=_("Email address of the person"), max_length=254)
    field_order = ["team_operation", "person_email", "justification"]


class PIChangeForm(ChangeRequestForm):
    person_email = forms.EmailField(
        label=_("Email address of the new PI"),
        max_length=254,
        help_text=_("A member of your organisation; they accept before the allocation admins decide."),
    )
    field_order = ["person_email", "justification"]


FORMS = {
    ChangeKind.EXTENSION: ExtensionForm,
    ChangeKind.SUPPLEMENT: SupplementForm,
    ChangeKind.TRANSFER: TransferForm,
    ChangeKind.TEAM_CHANGE: TeamChangeForm,
    ChangeKind.PI_CHANGE: PIChangeForm,
}


class ActionForm(forms.Form):
    """A step on a request: consent, decline, withdraw (applicants) or approve, refuse (staff, with a reason)."""

    action = forms.ChoiceField(choices=[])  # the actions the user may take now, set in __init__
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a.value, a.label) for a in actions]


class ChangeRequestFilter(django_filters.FilterSet):
    """Filters of the staff list and the API list."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=ChangeStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ChangeKind.choices)
    gigafactory = django_filters.ModelChoiceFilter(
        label=_("Gigafactory"), field_name="grant__gigafactory", queryset=Gigafactory.objects.order_by("name")
    )
    reference = django_filters.CharFilter(
        label=_("Application reference"), field_name="grant__application__reference", lookup_expr="icontains"
    )

    class Meta:
        model = ChangeRequest
        fields = ["status", "kind", "gigafactory", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select" if hasattr(field, "choices") else "form-control"
