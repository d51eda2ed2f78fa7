"""Queue emails so that they leave only after the surrounding transaction commits, through the outbox."""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def queue_email(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    """Write a ``portal.send_email`` outbox message in the current transaction; it is relayed to the worker on
    commit (or by the beat relay once the broker is back) and sent once. Nothing is sent if the transaction rolls
    back."""
    from portal import outbox

    recipients = [address for address in to if address]
    if not recipients:
        return
    outbox.enqueue("portal.send_email", to=recipients, subject=subject.strip(), body=body, html=html)


def recipient_languages(addresses: list[str], *, default: str | None = None) -> dict[str, list[str]]:
    """The addresses grouped by the language each recipient reads: the one stored on their account, else
    ``default`` (for an address without an account, e.g. an invitation), else the site's default language. Never
    the language of whoever acted, unless that is the recipient's own."""
    from django.contrib.auth import get_user_model

    fallback = default or settings.LANGUAGE_CODE
    known = dict(settings.LANGUAGES)
    stored = {
        email.lower(): language
        for email, language in get_user_model()
        .objects.filter(email__in=[a.lower() for a in addresses if a])
        .values_list("email", "language")
    }
    groups: dict[str, list[str]] = {}
    for address in dict.fromkeys(a for a in addresses if a):
        language = stored.get(address.lower()) or fallback
        groups.setdefault(language if language in known else settings.LANGUAGE_CODE, []).append(address)
    return groups


def queue_templated_email(*, to: list[str], template: str, context: dict, language: str | None = None) -> None:
    """Render ``<template>_subject.txt`` and ``<template>_message.txt`` in each recipient's language (see
    ``recipient_languages``; ``language`` is the fallback for addresses without an account) and queue one email
    per language. Dates, numbers and GPU-hours in ``context`` should be raw values: the templates format them."""
    for recipient_language, addresses in recipient_languages(to, default=language).items():
        with translation.override(recipient_language):
            subject = render_to_string(f"{template}_subject.txt", context)
            body = render_to_string(f"{template}_message.txt", context)
        # One line; non-breaking spaces (French "évaluation : ...") stay.
        queue_email(to=addresses, subject=re.sub(r"[ \t\r\n]+", " ", subject).strip(), body=body)


def queue_translated_email(*, to: list[str], render) -> None:
    """For emails built in code: ``render()`` returns ``(subject, body)`` and is called once per recipient
    language, with that language active."""
    for recipient_language, addresses in recipient_languages(to).items():
        with translation.override(recipient_language):
            subject, body = render()
        queue_email(to=addresses, subject=str(subject), body=str(body))
