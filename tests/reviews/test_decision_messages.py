"""The panel's bulk decision confirmation uses the language's plural forms, never "1 decisions"."""

from django.utils import translation

from reviews.views.management import decisions_recorded_message


def test_one_decision_is_singular():
    with translation.override("en"):
        assert decisions_recorded_message(1) == "1 decision was recorded."


def test_several_decisions_are_plural():
    with translation.override("en"):
        assert decisions_recorded_message(0) == "0 decisions were recorded."
        assert decisions_recorded_message(3) == "3 decisions were recorded."


def test_german_and_french_use_their_plural_forms():
    with translation.override("de"):
        assert decisions_recorded_message(1) == "1 Entscheidung wurde erfasst."
        assert decisions_recorded_message(2) == "2 Entscheidungen wurden erfasst."
    with translation.override("fr"):
        assert decisions_recorded_message(1) == "1 décision a été enregistrée."
        assert decisions_recorded_message(2) == "2 décisions ont été enregistrées."
