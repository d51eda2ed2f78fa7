"""Answers to a call's own questions: checked and normalised against the question as frozen in a form version.

Questions come as the dictionaries of ``CallFormVersion.questions`` (see ``question_spec``). Stored answers are
JSON: text as a string, a number as a decimal string, one choice as a string, several as a list, yes/no as a
boolean, a date as ``YYYY-MM-DD``, a URL as a string. An empty answer is ``None`` (missing).
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import formats
from django.utils.translation import gettext as _

from allocations.models import SCIENTIFIC_KINDS, QuestionKind

MAX_LONG_TEXT = 50_000
MAX_URL = 500
YES = frozenset({"yes", "true", "1", "on"})
NO = frozenset({"no", "false", "0", "off"})


def question_spec(question) -> dict:
    """A ``CallQuestion`` as the dictionary frozen in a form version."""
    return {
        "id": question.pk,
        "kind": question.kind,
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
        "position": question.position,
        "max_length": question.max_length,
        "word_limit": question.word_limit,
        "min_value": None if question.min_value is None else _plain(question.min_value),
        "max_value": None if question.max_value is None else _plain(question.max_value),
        "unit": question.unit,
        "choices": list(question.choices or []),
        "scientific": question.scientific,
        "step": question.step,
    }


def slot_spec(slot) -> dict:
    return {
        "id": slot.pk,
        "name": slot.name,
        "help_text": slot.help_text,
        "required": slot.required,
        "max_size_mb": slot.max_size_mb,
        "position": slot.position,
    }


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def is_blank(value) -> bool:
    return value is None or (
        isinstance(value, str | list | tuple) and not (value.strip() if isinstance(value, str) else value)
    )


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


def _text(question: dict, value) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Give a text answer."), code="invalid")
    value = value.strip()
    if question["kind"] == QuestionKind.SHORT_TEXT:
        limit = question.get("max_length") or 300
        if len(value) > limit or "\n" in value:
            raise ValidationError(
                _("Answer in one line of at most %(n)d characters (this has %(count)d).")
                % {"n": limit, "count": len(value)},
                code="max_length",
            )
        return value
    if len(value) > MAX_LONG_TEXT:
        raise ValidationError(_("Answer in at most %(n)d characters.") % {"n": MAX_LONG_TEXT}, code="max_length")
    limit = question.get("word_limit")
    if limit and word_count(value) > limit:
        raise ValidationError(
            _("Answer in at most %(n)d words (this has %(count)d).") % {"n": limit, "count": word_count(value)},
            code="word_limit",
        )
    return value


def _number(question: dict, value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(_("Give a number."), code="invalid")
    try:
        number = Decimal(str(value).strip().replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation:
        raise ValidationError(_("Give a number, for example 12 or 12.5."), code="invalid") from None
    if not number.is_finite():
        raise ValidationError(_("Give a number, for example 12 or 12.5."), code="invalid")
    unit = f" {question['unit']}" if question.get("unit") else ""
    low, high = question.get("min_value"), question.get("max_value")
    if low is not None and number < Decimal(low):
        raise ValidationError(
            _("Give at least %(min)s%(unit)s.") % {"min": formats.number_format(Decimal(low)), "unit": unit},
            code="min_value",
        )
    if high is not None and number > Decimal(high):
        raise ValidationError(
            _("Give at most %(max)s%(unit)s.") % {"max": formats.number_format(Decimal(high)), "unit": unit},
            code="max_value",
        )
    return _plain(number)


def _single(question: dict, value) -> str:
    if not isinstance(value, str) or value not in question["choices"]:
        raise ValidationError(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(question["choices"])}, code="invalid_choice"
        )
    return value


def _multiple(question: dict, value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or any(not isinstance(v, str) for v in value):
        raise ValidationError(_("Choose one or more of the listed answers."), code="invalid")
    unknown = [v for v in value if v not in question["choices"]]
    if unknown:
        raise ValidationError(
            _("“%(value)s” is not one of the choices: %(choices)s.")
            % {"value": unknown[0], "choices": ", ".join(question["choices"])},
            code="invalid_choice",
        )
    return [c for c in question["choices"] if c in value]


def _yes_no(question: dict, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError(_("Answer yes or no."), code="invalid")


def _date(question: dict, value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(_("Give a date as YYYY-MM-DD, for example 2027-03-31."), code="invalid") from None


def _url(question: dict, value) -> str:
    value = str(value).strip()
    if len(value) > MAX_URL:
        raise ValidationError(_("A web address has at most %(n)d characters.") % {"n": MAX_URL}, code="max_length")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(_("Give a web address starting with https://."), code="invalid") from None
    return value


NORMALISERS = {
    QuestionKind.SHORT_TEXT: _text,
    QuestionKind.LONG_TEXT: _text,
    QuestionKind.NUMBER: _number,
    QuestionKind.SINGLE_CHOICE: _single,
    QuestionKind.MULTIPLE_CHOICE: _multiple,
    QuestionKind.YES_NO: _yes_no,
    QuestionKind.DATE: _date,
    QuestionKind.URL: _url,
}


def clean_answers(questions: list[dict], answers: dict) -> tuple[dict[str, object], dict[str, list[str]]]:
    """Check ``answers`` ({question id: raw value}) against ``questions``; returns (normalised, errors).

    Errors are keyed ``q_<id>``. Missing answers are not errors here (drafts may be incomplete; see
    :func:`missing_answers`). Ids that are not questions of the form are an error under ``answers``.
    """
    by_id = {str(q["id"]): q for q in questions}
    cleaned: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    unknown = [str(key) for key in answers if str(key) not in by_id]
    if unknown:
        errors["answers"] = [_("This form has no question %(ids)s.") % {"ids": ", ".join(unknown)}]
    for key, raw in answers.items():
        question = by_id.get(str(key))
        if question is None:
            continue
        if is_blank(raw):
            cleaned[str(key)] = None
            continue
        try:
            cleaned[str(key)] = NORMALISERS[question["kind"]](question, raw)
        except ValidationError as exc:
            errors[f"q_{key}"] = list(exc.messages)
    return cleaned, errors


def missing_answers(questions: list[dict], answers: dict) -> list[dict]:
    """The required questions without an answer, in form order."""
    return [q for q in questions if q["required"] and is_blank(answers.get(str(q["id"])))]


def scientific_answers(questions: list[dict], answers: dict) -> list[str]:
    """The answers to the questions marked scientific, in form order: texts as written, choices by their labels."""
    ordered = sorted(questions, key=lambda q: (q.get("position", 0), q["id"]))
    return [
        display_answer(q, answers.get(str(q["id"])))
        for q in ordered
        if q.get("scientific") and q["kind"] in SCIENTIFIC_KINDS and not is_blank(answers.get(str(q["id"])))
    ]


def display_answer(question: dict, value) -> str:
    """An answer as the check-your-answers page and reviewers read it."""
    if is_blank(value):
        return ""
    if question["kind"] == QuestionKind.YES_NO:
        return str(_("Yes") if value else _("No"))
    if question["kind"] == QuestionKind.MULTIPLE_CHOICE:
        return ", ".join(value)
    if question["kind"] == QuestionKind.NUMBER:
        unit = f" {question['unit']}" if question.get("unit") else ""
        return f"{formats.number_format(Decimal(value), use_l10n=True, force_grouping=True)}{unit}"
    return str(value)
