"""Emails are written in the recipient's language (stored on the account by the language switcher or the profile),
never in the language of the person who acted: carol works in English and assigns a German-speaking and a
French-speaking reviewer."""

import re

from django.utils import translation

from reviews import services
from tests.reviews.conftest import queued_emails


def test_each_reviewer_reads_the_assignment_email_in_their_language(
    in_review, bob, dave, carol, django_capture_on_commit_callbacks
):
    bob.language, dave.language, carol.language = "de", "fr", "en"
    for user in (bob, dave, carol):
        user.save(update_fields=["language"])
    with translation.override("en"), django_capture_on_commit_callbacks() as callbacks:
        services.assignments_create(pairs=[(in_review.pk, bob.pk), (in_review.pk, dave.pk)], by=carol)
    emails = {e["to"][0]: e for e in queued_emails(callbacks)}
    german, french = emails[bob.email], emails[dave.email]
    assert german["subject"] == f"Begutachtungsanfrage: {in_review.reference}"
    assert re.search(r"fällig am \d\d\.\d\d\.\d{4}", german["body"]), german["body"]
    assert "You have been asked" not in german["body"]
    assert french["subject"] == f"Demande d’évaluation\xa0: {in_review.reference}"
    assert re.search(r"à rendre le \d\d/\d\d/\d{4}", french["body"]), french["body"]
    assert "You have been asked" not in french["body"]


def test_an_address_without_an_account_gets_the_fallback_language(db):
    from portal.emails import recipient_languages

    assert recipient_languages(["new@uni.example"], default="fr") == {"fr": ["new@uni.example"]}
    assert recipient_languages(["new@uni.example"]) == {"en": ["new@uni.example"]}
