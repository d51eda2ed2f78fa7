"""Forms of the usage staff pages."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from allocations.models import Gigafactory
from allocations.models.usage import Cluster, ImportFormat
from portal.forms import BootstrapFormMixin


class UsageUploadForm(BootstrapFormMixin, forms.Form):
    cluster = forms.ModelChoiceField(label=_("Cluster"), queryset=Cluster.objects.order_by("name"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("", _("Detect from the first line")),
            (ImportFormat.SACCT, ImportFormat.SACCT.label),
            (ImportFormat.CSV, ImportFormat.CSV.label),
            (ImportFormat.JSON, _("sacct --json")),
        ],
        required=False,
        help_text=_(
            "sacct: the output of sacct --parsable2 with a header naming at least JobID, User, Account, Start, End, "
            "Elapsed and AllocTRES in any order (e.g. --format=ALL), or without a header the fields JobID|JobIDRaw|"
            "User|Account|Partition|Start|End|Elapsed|AllocTRES|State. sacct --json: its output as it is. "
            "CSV: cluster,job_id,account,user,start,end,gpus."
        ),
    )
    file = forms.FileField(label=_("File"))


class ClusterForm(BootstrapFormMixin, forms.Form):
    name = forms.SlugField(label=_("Cluster name"), max_length=64, help_text=_("As sacct prints it (ClusterName)."))
    gigafactory = forms.ModelChoiceField(label=_("Gigafactory"), queryset=Gigafactory.objects.order_by("name"))
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial=settings.TIME_ZONE,
        help_text=_("The zone of the times in the cluster's records."),
    )


class ClusterTokenForm(BootstrapFormMixin, forms.Form):
    cluster = forms.ModelChoiceField(label=_("Cluster"), queryset=Cluster.objects.order_by("name"))
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("For example the host that pushes."))


class GrantMemberForm(BootstrapFormMixin, forms.Form):
    """The PI adds a person of the application's team to the grant."""

    user = forms.ModelChoiceField(label=_("Person"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda user: f"{user.full_name or user.email} <{user.email}>"


class ClusterUsernameForm(BootstrapFormMixin, forms.Form):
    gigafactory = forms.ModelChoiceField(label=_("Gigafactory"), queryset=Gigafactory.objects.order_by("name"))
    username = forms.CharField(
        label=_("Your user name on its clusters"),
        max_length=32,
        required=False,
        help_text=_("The Linux login the site gave you, e.g. jdoe. Leave empty to remove it."),
    )
