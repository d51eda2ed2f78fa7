"""The TOTP set-up page lets a keyboard user reach, select and copy the text secret (WCAG 2.1.1)."""

import re

import pytest

from tests.accounts.helpers import ACTIVATE_URL
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_totp_secret_is_a_readonly_focusable_field_with_a_copy_button(client, alice):
    client.force_login(alice)
    response = client.get(ACTIVATE_URL)
    if response.status_code == 302 and "/reauthenticate/" in response.url:
        assert client.post(response.url, {"password": PASSWORD}).status_code == 302
        response = client.get(ACTIVATE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    field = re.search(r'<input[^>]*id="authenticator_secret"[^>]*>', html, re.S).group(0)
    assert "readonly" in field
    assert "disabled" not in field
    assert re.search(r'value="[A-Z2-7]{16,}"', field)
    button = re.search(r'<button[^>]*data-copy-target="#authenticator_secret"[^>]*>(.*?)</button>', html, re.S)
    assert button is not None
    assert 'type="button"' in button.group(0)
    assert "Copy" in button.group(1)
    assert "js/accounts.js" in html
    assert "<script>" not in html and "style=" not in html


@pytest.mark.django_db
def test_copy_button_speaks_german(client, alice):
    client.force_login(alice)
    client.cookies["django_language"] = "de"
    response = client.get(ACTIVATE_URL)
    if response.status_code == 302 and "/reauthenticate/" in response.url:
        assert client.post(response.url, {"password": PASSWORD}).status_code == 302
        response = client.get(ACTIVATE_URL)
    html = response.content.decode()
    assert "Geheimschlüssel kopieren" in html
    assert 'data-copied-text="Kopiert"' in html
