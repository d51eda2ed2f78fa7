"""Queue emails so that they leave only after the surrounding transaction commits, through the outbox."""

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


def queue_templated_email(*, to: list[str], template: str, context: dict, language: str | None = None) -> None:
    """Render ``<template>_subject.txt`` and ``<template>_message.txt`` and queue them."""
    with translation.override(language or translation.get_language()):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_message.txt", context)
    queue_email(to=to, subject=" ".join(subject.split()), body=body)
