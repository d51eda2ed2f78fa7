import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from allocations.models import AIDomain
from portal.forms import BootstrapFormMixin
from reviews.models import REPLY_MAX_CHARS, MatchingObjective, RelationshipKind
from reviews.services import DECISION_ACTIONS, default_due_on


def _keywords(text: str) -> list[str]:
    return [k.strip() for k in (text or "").split(",") if k.strip()]


class ReviewerProfileForm(BootstrapFormMixin, forms.Form):
    expertise = forms.MultipleChoiceField(
        label=_("Expertise (AI domains)"), choices=AIDomain.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    keywords = forms.CharField(
        label=_("Expertise keywords"), required=False, max_length=1000, help_text=_("Separate keywords with commas.")
    )
    organisation = forms.ModelChoiceField(
        label=_("Affiliation"), queryset=Organisation.objects.order_by("legal_name"), required=False
    )
    max_load_per_call = forms.IntegerField(label=_("Maximum reviews per call"), min_value=1, max_value=100)
    is_available = forms.BooleanField(label=_("Available for new assignments"), required=False)
    research_interests = forms.CharField(
        label=_("Research interests"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences; matched against the applications' titles and abstracts."),
    )
    publications = forms.CharField(
        label=_("Recent publications"),
        required=False,
        max_length=30_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: the title, optionally followed by | and the DOI. Used for matching and to detect "
            "co-authorship with applicants (the publications of your projects' final reports count too)."
        ),
    )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["keywords"] = _keywords(data["keywords"])
        data.pop("publications", None)
        return data

    def publication_entries(self) -> list[tuple[str, str]]:
        entries = []
        for line in self.cleaned_data.get("publications", "").splitlines():
            title, _bar, doi = line.partition("|")
            if title.strip():
                entries.append((title.strip(), doi.strip()))
        return entries


class AffiliationForm(BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.order_by("legal_name"))
    started_on = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty while current."),
    )


class RelationshipForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(label=_("Their e-mail address"))
    kind = forms.ChoiceField(label=_("Relationship"), choices=RelationshipKind.choices)


class DeclaredConflictForm(BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.order_by("legal_name"))
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=300)


class AssignmentAnswerForm(BootstrapFormMixin, forms.Form):
    no_conflict = forms.BooleanField(
        label=_(
            "I declare that I have no conflict of interest with this application: I do not belong to the applicant "
            "organisation, I am not in the team, and I have no other personal or professional tie to it."
        ),
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason (for a conflict or a decline; not shown to the applicant)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(BootstrapFormMixin, forms.Form):
    comment_for_applicant = forms.CharField(
        label=_("Comment for the applicant"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent to the applicant without your name."),
    )
    comment_for_panel = forms.CharField(
        label=_("Confidential comment for the panel"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only call managers and the panel read this."),
    )
    confirm_submit = forms.BooleanField(
        label=_("I have finished: submit this review as final"),
        required=False,
        help_text=_(
            "Needed to submit, not to save a draft. A submitted review is locked; changing it later needs an "
            "amendment with a reason."
        ),
    )

    def __init__(self, *args, criteria, score_min: int, score_max: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        choices = [("", "—"), *((str(n), str(n)) for n in range(score_min, score_max + 1))]
        scores = {}
        for criterion in criteria:
            name = f"score_{criterion.pk}"
            scores[name] = forms.TypedChoiceField(
                label=_("%(name)s (weight %(weight)d, threshold %(threshold)d)")
                % {"name": criterion.name, "weight": criterion.weight, "threshold": criterion.threshold},
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                help_text=criterion.description,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            if criterion.description:
                scores[name].widget.attrs["aria-describedby"] = f"id_{name}_helptext"
        # Scores first, then the comments.
        self.fields = {**scores, **self.fields}

    def scores(self) -> dict[str, int]:
        return {
            str(c.pk): self.cleaned_data.get(f"score_{c.pk}")
            for c in self.criteria
            if self.cleaned_data.get(f"score_{c.pk}") is not None
        }

    @staticmethod
    def initial_from(review) -> dict:
        if review is None:
            return {}
        initial = {f"score_{k}": v for k, v in (review.scores or {}).items()}
        initial["comment_for_applicant"] = review.comment_for_applicant
        initial["comment_for_panel"] = review.comment_for_panel
        return initial


class AmendForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the amendment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EligibilityCheckForm(BootstrapFormMixin, forms.Form):
    country_eligible = forms.BooleanField(
        label=_("The organisation's country is eligible for the call"), required=False
    )
    organisation_type_eligible = forms.BooleanField(
        label=_("The organisation type is eligible for the call"), required=False
    )
    request_within_bounds = forms.BooleanField(label=_("The request is within the call's bounds"), required=False)
    software_runs = forms.BooleanField(
        label=_("The software runs on the Gigafactory's accelerators (technical feasibility)"), required=False
    )
    scaling_adequate = forms.BooleanField(label=_("The scaling evidence is adequate"), required=False)
    reason = forms.CharField(
        label=_("Reason (required when a point fails; sent to the PI)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, computed=None, **kwargs):
        """``computed``: the points the portal decided from data (see ``selectors.computed_eligibility``); each is
        ticked (or not) for the call manager to confirm, and says so with its reason."""
        super().__init__(*args, **kwargs)
        for name, point in (computed or {}).items():
            self.fields[name].initial = point.holds
            self.fields[name].help_text = _("Prefilled by the portal: %(why)s") % {"why": point.why}


class AssignForm(BootstrapFormMixin, forms.Form):
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = [("", "—"), *((str(u.pk), str(u)) for u in reviewers)]
        self.fields["due_on"].initial = default_due_on()


class MatchingObjectiveForm(BootstrapFormMixin, forms.Form):
    objective = forms.ChoiceField(label=_("Objective for this call"), choices=MatchingObjective.choices)


class DueDateForm(BootstrapFormMixin, forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = default_due_on()

    def clean_due_on(self) -> dt.date:
        value = self.cleaned_data["due_on"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a due date after today."))
        return value


DECISION_CHOICES = [(s.value, s.label) for s in DECISION_ACTIONS]


class RankMoveForm(BootstrapFormMixin, forms.Form):
    position = forms.IntegerField(label=_("New position"), min_value=1, max_value=10_000)
    justification = forms.CharField(label=_("Justification"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES)
    justification = forms.CharField(label=_("Justification"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class BulkDecisionForm(DecisionForm):
    applications = forms.TypedMultipleChoiceField(
        label=_("Applications"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [(a.pk, str(a)) for a in applications]


class ReplyForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Your reply to the reviewers"),
        max_length=REPLY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": REPLY_MAX_CHARS, "data-counter": "reply-counter"}),
        help_text=_("One reply per application, at most 5,000 characters. It goes to the panel with the reviews."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that I can reply only once and cannot change the reply after sending it"),
        error_messages={"required": _("Tick this box to send your reply.")},
    )
