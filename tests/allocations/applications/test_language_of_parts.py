"""Language of parts (WCAG 3.1.2): call texts are written in English; on German and French pages their title,
summary, description and criteria carry lang="en", so that screen readers switch voice. English pages need none."""

import re

import pytest
from django.conf import settings

from tests.factories import CallFactory


@pytest.fixture
def call(db):
    return CallFactory(
        title="Large Scale: foundation models 2027",
        summary="Training runs for European foundation models.",
        description="## Scope\n\nModels trained from scratch.",
    )


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


@pytest.mark.parametrize("language", ["de", "fr"])
def test_call_texts_carry_lang_en_on_german_and_french_pages(client, call, language):
    page = _get(client, f"/calls/{call.slug}/", language)
    assert f'<html lang="{language}">' in page
    assert '<h1 class="h3" lang="en">Large Scale: foundation models 2027</h1>' in page
    assert '<span lang="en">Training runs for European foundation models.</span>' in page
    assert '<div class="call-description" lang="en">' in page
    criterion = call.criteria.first()
    assert f'<span lang="en">{criterion.name}</span>' in page
    listing = _get(client, "/calls/", language)
    assert '<span lang="en">Large Scale: foundation models 2027</span>' in listing


def test_english_pages_do_not_repeat_the_language(client, call):
    page = _get(client, f"/calls/{call.slug}/", "en")
    body = re.sub(r"<option[^>]*>", "", page.split("<body", 1)[1])  # the switcher names each language in itself
    assert 'lang="en"' not in body


@pytest.mark.parametrize(
    ("language", "requested"),
    [("en", "2,000,000"), ("de", "2.000.000"), ("fr", "2\xa0000\xa0000")],
)
def test_answers_show_localized_gpu_hours_and_a_dash_when_empty(client, alice, alice_org, call, language, requested):
    from tests.factories import ApplicationFactory

    application = ApplicationFactory(
        call=call,
        organisation=alice_org,
        pi=alice,
        created_by=alice,
        requested_gpu_hours=2_000_000,
        minimum_gpu_hours=None,
    )
    client.force_login(alice)
    page = _get(client, f"/applications/{application.pk}/print/", language)
    assert f'<dd class="col-sm-8">{requested}</dd>' in page
    assert "None" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "This call: 50,000 to 2,000,000 GPU-hours."),
        ("de", "Diese Ausschreibung: 50.000 bis 2.000.000 GPU-Stunden."),
        ("fr", "de 50\xa0000 à 2\xa0000\xa0000 heures GPU."),
    ],
)
def test_the_resources_step_states_the_calls_bounds_in_the_pages_language(alice, alice_org, language, expected):
    from django.utils import translation

    from allocations.applications.forms import ResourcesForm
    from tests.factories import ApplicationFactory

    call = CallFactory(min_request_gpu_hours=50_000, max_request_gpu_hours=2_000_000)
    application = ApplicationFactory(call=call, organisation=alice_org, pi=alice, created_by=alice)
    with translation.override(language):
        form = ResourcesForm(application=application)
        assert expected in str(form.fields["requested_gpu_hours"].help_text)
