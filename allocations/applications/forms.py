"""Forms of the application steps, the call filter and uploads. Validation of substance lives in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from allocations.applications.question_forms import QuestionFieldsMixin, QuestionsStepForm, step_questions
from allocations.models import (
    AccessMode,
    Application,
    AttachmentKind,
    Gigafactory,
    Section,
    TeamRole,
)
from portal import l10n
from portal.forms import BootstrapFormMixin


class CallFilterForm(BootstrapFormMixin, forms.Form):
    mode = forms.ChoiceField(label=_("Access mode"), required=False)
    gigafactory = forms.ChoiceField(label=_("Gigafactory"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", _("All modes")), *AccessMode.objects.values_list("code", "name")]
        self.fields["gigafactory"].choices = [
            ("", _("All Gigafactories")),
            *Gigafactory.objects.values_list("slug", "name"),
        ]
        for field in self.fields.values():
            field.widget.attrs["data-autosubmit"] = ""


class ApplyForm(BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("Apply on behalf of"), queryset=None, empty_label=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class SectionForm(QuestionFieldsMixin, BootstrapFormMixin, forms.ModelForm):
    """A step of the application; ``version`` is the section's version when the form was loaded. The call's
    questions placed in this step follow the step's own fields; their answers are saved with the step."""

    section: str = ""
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        kwargs.setdefault("initial", {})["version"] = application.section_version(self.section)
        super().__init__(*args, instance=application, **kwargs)
        for field in self.fields.values():
            field.required = False  # drafts may be incomplete; submission checks completeness
        self.add_questions(step_questions(application, self.section), application.answers)

    def _post_clean(self):
        # Model validation runs in the service (the same messages as the API); nothing to do here.
        pass

    def values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        if self.questions:
            values["answers"] = self.answers()
        return values

    def unsaved_values(self) -> dict:
        """The valid values that differ from the saved ones (answers compared as the service would store them)."""
        values = {name: value for name, value in self.values().items() if name != "answers"}
        values = {name: value for name, value in values.items() if getattr(self.application, name) != value}
        if answers := self.changed_answers(self.application.answers):
            values["answers"] = answers
        return values


class KeywordsField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return [k.strip() for k in (value or "").split(",") if k.strip()]


class ProjectForm(SectionForm):
    section = Section.PROJECT
    keywords = KeywordsField(
        label=_("Keywords"), required=False, help_text=_("Separated by commas, at most 10."), max_length=600
    )

    class Meta:
        model = Application
        fields = ["title", "acronym", "abstract", "ai_domain", "keywords"]
        widgets = {"abstract": forms.Textarea(attrs={"rows": 8, "maxlength": 2000})}


class EmailListField(KeywordsField):
    """E-mail addresses separated by commas (validated with the model: at most three)."""

    def to_python(self, value):
        return [e.lower() for e in super().to_python(value)]


class TeamForm(SectionForm):
    section = Section.TEAM
    excluded_reviewers = EmailListField(
        label=_("People who should not review this application"),
        required=False,
        max_length=1000,
        help_text=_("Up to three e-mail addresses, separated by commas. Only the call manager sees them."),
    )
    suggested_reviewers = EmailListField(
        label=_("Suggested reviewers"),
        required=False,
        max_length=1000,
        help_text=_("Up to three e-mail addresses, separated by commas; at most one of them is assigned."),
    )

    class Meta:
        model = Application
        fields = ["pi", "excluded_reviewers", "suggested_reviewers"]

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        self.fields["pi"].queryset = User.objects.filter(
            memberships__organisation_id=application.organisation_id
        ).order_by("full_name", "email")
        self.fields["pi"].label_from_instance = lambda u: f"{u.full_name} <{u.email}>" if u.full_name else u.email
        self.fields["pi"].help_text = _("A member of the applying organisation.")


class TeamMemberForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices, required=False, initial=TeamRole.RESEARCHER)


class ResourcesForm(SectionForm):
    section = Section.RESOURCES
    start_month = forms.DateField(
        label=_("Start month"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m", attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}),
        help_text=_("Year and month, e.g. 2027-03."),
    )

    class Meta:
        model = Application
        fields = [
            "requested_gpu_hours",
            "minimum_gpu_hours",
            "preferred_gigafactory",
            "start_month",
            "duration_months",
            "largest_job_gpus",
            "storage_tb",
            "software_stack",
            "scaling_evidence",
        ]
        widgets = {
            "software_stack": forms.Textarea(attrs={"rows": 3}),
            "scaling_evidence": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        call = application.call
        self.fields["preferred_gigafactory"].queryset = call.gigafactories.all()
        self.fields["requested_gpu_hours"].help_text = _("This call: %(min)s to %(max)s GPU-hours.") % {
            "min": l10n.number(call.request_min),
            "max": l10n.number(call.request_max),
        }
        self.fields["minimum_gpu_hours"].help_text = _("The least that still makes the project viable.")
        self.fields["duration_months"].help_text = _("At most %(n)d months in this mode.") % {
            "n": call.access_mode.max_duration_months
        }
        self.fields["scaling_evidence"].help_text = _("Benchmarks showing your code scales to the job size.")


class EthicsForm(SectionForm):
    section = Section.ETHICS

    class Meta:
        model = Application
        fields = [
            "data_sources",
            "personal_data",
            "personal_data_legal_basis",
            "ethics_self_assessment",
            "dual_use",
            "dual_use_details",
            "open_science_commitment",
        ]
        widgets = {
            "data_sources": forms.Textarea(attrs={"rows": 3}),
            "ethics_self_assessment": forms.Textarea(attrs={"rows": 4}),
            "dual_use_details": forms.Textarea(attrs={"rows": 2}),
            "open_science_commitment": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "personal_data": _("Does the project process personal data?"),
            "dual_use": _("Does the project involve dual-use or export-controlled items?"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personal_data_legal_basis"].help_text = _("Needed when you process personal data.")
        self.fields["dual_use_details"].help_text = _("Needed when you answered yes above.")
        self.fields["open_science_commitment"].help_text = _(
            "What you will publish openly: papers, model weights, code, data."
        )


SECTION_FORMS: dict[str, type[SectionForm | QuestionsStepForm]] = {
    Section.PROJECT: ProjectForm,
    Section.TEAM: TeamForm,
    Section.RESOURCES: ResourcesForm,
    Section.ETHICS: EthicsForm,
    Section.QUESTIONS: QuestionsStepForm,
}


class AttachmentForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[
            (AttachmentKind.TECHNICAL_ANNEX, AttachmentKind.TECHNICAL_ANNEX.label),
            (AttachmentKind.CV, AttachmentKind.CV.label),
        ],
        required=False,
    )
    slot = forms.IntegerField(widget=forms.HiddenInput, required=False)
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("PDF only, at most 10 MB."),
    )


class SubmitForm(BootstrapFormMixin, forms.Form):
    declaration = forms.BooleanField(
        label=_(
            "I declare that the information in this application is correct and that I am authorised to submit it "
            "on behalf of the organisation."
        ),
        required=False,
    )


class WithdrawForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
