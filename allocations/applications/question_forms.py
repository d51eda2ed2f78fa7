"""The "Call questions" step: a form built from the questions of an application's form version.

The fields only parse and pick the widget; the answers are checked by the service
(``allocations.applications.answers``), so the web form and the API give the same messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from allocations.applications.answers import display_answer
from allocations.models import QuestionKind, Section
from portal.forms import BootstrapFormMixin

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _help(question: dict) -> str:
    parts = [question.get("help_text") or ""]
    kind = question["kind"]
    if kind == QuestionKind.SHORT_TEXT:
        parts.append(str(_("At most %(n)d characters.") % {"n": question.get("max_length") or 300}))
    if kind == QuestionKind.LONG_TEXT and question.get("word_limit"):
        parts.append(str(_("At most %(n)d words.") % {"n": question["word_limit"]}))
    if kind == QuestionKind.NUMBER:
        low, high, unit = question.get("min_value"), question.get("max_value"), question.get("unit") or ""
        if low is not None and high is not None:
            parts.append(str(_("Between %(min)s and %(max)s %(unit)s.") % {"min": low, "max": high, "unit": unit}))
        elif unit:
            parts.append(str(_("In %(unit)s.") % {"unit": unit}))
    if kind == QuestionKind.DATE:
        parts.append(str(_("YYYY-MM-DD.")))
    if not question["required"]:
        parts.append(str(_("Optional.")))
    return " ".join(p for p in parts if p).strip()


class AnyChoiceField(forms.ChoiceField):
    """Renders the choices; which values are allowed is the service's check (same message as the API)."""

    def valid_value(self, value) -> bool:
        return True


class AnyMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


def question_field(question: dict) -> forms.Field:
    kind = question["kind"]
    common = {"label": question["label"], "required": False, "help_text": _help(question)}
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), strip=False, **common)
    if kind == QuestionKind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == QuestionKind.SINGLE_CHOICE:
        choices = [(c, c) for c in question["choices"]]
        return AnyChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        choices = [(c, c) for c in question["choices"]]
        return AnyMultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == QuestionKind.YES_NO:
        return AnyChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if kind == QuestionKind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == QuestionKind.URL:
        return forms.CharField(widget=forms.URLInput(attrs={"inputmode": "url"}), **common)
    maxlength = question.get("max_length") or 300
    return forms.CharField(widget=forms.TextInput(attrs={"maxlength": maxlength}), strip=False, **common)


def _initial(question: dict, value):
    if value is None:
        return None
    if question["kind"] == QuestionKind.YES_NO:
        return "yes" if value else "no"
    return value


class QuestionsForm(BootstrapFormMixin, forms.Form):
    """The call's questions; ``version`` is the step's version when loaded (optimistic locking)."""

    section = Section.QUESTIONS
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, questions: list[dict], answers: dict | None = None, version: int = 0, **kwargs):
        self.questions = sorted(questions, key=lambda q: (q.get("position", 0), q["id"]))
        answers = answers or {}
        initial = {"version": version}
        for question in self.questions:
            initial[f"q_{question['id']}"] = _initial(question, answers.get(str(question["id"])))
        super().__init__(*args, initial=initial, **kwargs)
        for question in self.questions:
            field = question_field(question)
            self.fields[f"q_{question['id']}"] = field
            if question["required"]:
                field.widget.attrs["aria-required"] = "true"
        # BootstrapFormMixin ran before the question fields existed.
        for name, field in self.fields.items():
            if name == "version":
                continue
            widget = field.widget
            css = (
                "form-check-input"
                if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
                else "form-control"
            )
            widget.attrs.setdefault("class", css)
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_helptext"

    def answers(self) -> dict:
        return {str(q["id"]): self.cleaned_data.get(f"q_{q['id']}") for q in self.questions}


def answered_questions(questions: list[dict], answers: dict) -> list[dict]:
    """Each question with its answer as read on the check-your-answers page, the printable view and by reviewers."""
    return [
        {**q, "answer": display_answer(q, answers.get(str(q["id"]))), "field": f"q_{q['id']}"}
        for q in sorted(questions, key=lambda q: (q.get("position", 0), q["id"]))
    ]
