"""Choice labels inside sentences: lower-cased in English and French, capitalised nouns kept in German."""

from django.utils import translation

from allocations.applications.workflow import Status
from portal.text import inline_label


def test_inline_labels_follow_the_language():
    with translation.override("en"):
        assert inline_label(Status.DRAFT.label) == "draft"
    with translation.override("fr"):
        assert inline_label(Status.DRAFT.label) == str(Status.DRAFT.label).lower()
        assert inline_label(Status.DRAFT.label).islower()
    with translation.override("de"):
        label = str(Status.DRAFT.label)
        assert label[0].isupper()
        assert inline_label(Status.DRAFT.label) == label
