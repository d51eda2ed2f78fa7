"""Helpers that drive allauth's own TOTP activation, so the authenticator a test relies on is real."""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.factories import PASSWORD

ACTIVATE_URL = "/accounts/2fa/totp/activate/"


def current_totp_code(secret: str) -> str:
    """The RFC 6238 code an authenticator app shows now for ``secret``. Within two seconds of the next period it
    waits for that period first, as a person would: the server checks the code against the period it receives it
    in, with no tolerance, and a code typed at the boundary fails now and then."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def activate_totp_with_client(client, password: str = PASSWORD) -> str:
    """Activate TOTP through allauth's views for the client's logged-in user; returns the secret.

    allauth asks for the password again (reauthentication) before an authenticator may be added.
    """
    response = client.get(ACTIVATE_URL)
    if response.status_code == 302 and "/reauthenticate/" in response.url:
        response = client.post(response.url, {"password": password})
        assert response.status_code == 302, response.content.decode()[:1000]
        response = client.get(ACTIVATE_URL)
    assert response.status_code == 200, response.status_code
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', response.content.decode(), re.S)
    secret = secret.group(1)
    response = client.post(ACTIVATE_URL, {"code": current_totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == "/accounts/2fa/recovery-codes/", response.url
    return secret


def reauthenticate_in_browser(page, password: str = PASSWORD, screenshot: str | None = None) -> None:
    from tests.conftest import assert_accessible

    if screenshot:
        assert_accessible(page, screenshot)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()


def read_secret_and_activate(page, screenshot: str | None = None) -> str:
    """On allauth's activation page: read the secret shown, type the current code, activate."""
    from tests.conftest import assert_accessible

    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    if screenshot:
        assert_accessible(page, screenshot)
    page.get_by_label("Authenticator code").fill(current_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    return secret


def activate_totp_in_browser(page, screenshot: str | None = None) -> str:
    """Open the activation page (confirming the password if asked), then activate. Returns the secret."""
    page.goto(ACTIVATE_URL)
    if "/reauthenticate/" in page.url:
        reauthenticate_in_browser(page, screenshot=f"{screenshot}-reauthenticate" if screenshot else None)
    return read_secret_and_activate(page, screenshot=screenshot)
