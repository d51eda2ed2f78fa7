"""Helpers for user-visible text that has to read right in every language."""

from django.utils.translation import get_language

# Languages that capitalise nouns inside a sentence: a status such as "Entwurf" keeps its capital there.
CAPITALISED_NOUNS = frozenset({"de"})


def inline_label(label) -> str:
    """A choice label as it reads inside a sentence: "is draft" in English or French, "ist Entwurf" in German."""
    text = str(label)
    language = (get_language() or "en").split("-")[0]
    return text if language in CAPITALISED_NOUNS else text.lower()
