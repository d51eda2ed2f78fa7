"""The fields of a call's questions, in the step of the application form each sits in (below the step's own
fields, or in the "Call questions" step), built from the questions of an application's form version.

The fields only parse and pick the widget; the answers are checked by the service
(``allocations.applications.answers``), so the web form and the API give the same messages.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from allocations.applications.answers import clean_answers, display_answer
from allocations.applications.completeness import in_step, question_step
from allocations.models import QuestionKind, QuestionStep, Section
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


class QuestionFieldsMixin:
    """A field per call question (``q_<id>``), after the form's own fields. ``visible_fields`` stays the form's own
    fields; ``question_fields`` are rendered apart (``partials/question_fields.html``: radios and checkboxes in a
    fieldset). Call ``add_questions`` at the end of ``__init__``."""

    questions: list[dict] = []

    def add_questions(self, questions: list[dict], answers: dict | None) -> None:
        self.questions = sorted(questions, key=lambda q: (q.get("position", 0), q["id"]))
        answers = answers or {}
        for question in self.questions:
            name = f"q_{question['id']}"
            field = question_field(question)
            if question["required"]:
                field.widget.attrs["aria-required"] = "true"
            widget = field.widget
            radios = isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
            widget.attrs.setdefault("class", "form-check-input" if radios else "form-control")
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_helptext"
            self.fields[name] = field
            self.initial[name] = _initial(question, answers.get(str(question["id"])))

    def _question_names(self) -> set[str]:
        return {f"q_{q['id']}" for q in self.questions}

    def visible_fields(self):
        names = self._question_names()
        return [field for field in super().visible_fields() if field.name not in names]

    def question_fields(self):
        return [self[f"q_{q['id']}"] for q in self.questions]

    def answers(self) -> dict:
        return {str(q["id"]): self.cleaned_data.get(f"q_{q['id']}") for q in self.questions}

    def changed_answers(self, saved: dict | None) -> dict:
        """The valid answers that differ from ``saved`` once normalised (an invalid one is left to the service)."""
        saved, raw = saved or {}, self.answers()
        cleaned, _errors = clean_answers(self.questions, raw)
        return {key: raw[key] for key, value in cleaned.items() if value != saved.get(key)}


class QuestionsForm(QuestionFieldsMixin, BootstrapFormMixin, forms.Form):
    """Questions of a call (the "Call questions" step, the designer's preview); ``version`` is the step's version
    when loaded (optimistic locking)."""

    section = Section.QUESTIONS
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, questions: list[dict], answers: dict | None = None, version: int = 0, **kwargs):
        super().__init__(*args, initial={"version": version}, **kwargs)
        self.add_questions(questions, answers)

    def values(self) -> dict:
        return {"answers": self.answers()}


class QuestionsStepForm(QuestionsForm):
    """The "Call questions" step of an application: the questions its form version places there."""

    def __init__(self, *args, application, **kwargs):
        super().__init__(
            *args,
            questions=step_questions(application, Section.QUESTIONS),
            answers=application.answers,
            version=application.questions_version,
            **kwargs,
        )


def preview_forms(questions: list[dict]) -> list[tuple[str, QuestionsForm]]:
    """``(step label, form)`` for each step of the form that asks questions, in form order (the preview)."""
    each = [(str(step.label), QuestionsForm(questions=in_step(questions, step))) for step in QuestionStep]
    return [(label, form) for label, form in each if form.questions]


def step_questions(application, step: str) -> list[dict]:
    """The questions of the application's form version that sit in ``step``, in form order."""
    return in_step(application.form_version.questions if application.form_version_id else [], step)


def answered_questions(questions: list[dict], answers: dict) -> list[dict]:
    """Each question with its answer as read on the check-your-answers page, the printable view and by reviewers."""
    return [
        {**q, "answer": display_answer(q, answers.get(str(q["id"]))), "field": f"q_{q['id']}", "step": question_step(q)}
        for q in sorted(questions, key=lambda q: (q.get("position", 0), q["id"]))
    ]
