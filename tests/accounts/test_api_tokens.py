"""Personal API tokens: created on the profile page, shown once, stored as a hash, revocable."""

import re

from accounts.models import ApiToken


def _create_on_profile(client, name="usage sync", scopes=("read", "write"), days=90) -> tuple[str, str]:
    response = client.post("/profile/tokens/", {"name": name, "scopes": list(scopes), "expires_in_days": days})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    key = re.search(r'id="new-token">(gap_[A-Za-z0-9_\-]+)</code>', html).group(1)
    return key, html


def test_key_is_shown_once_and_only_its_hash_is_stored(client, alice):
    client.force_login(alice)
    key, _html = _create_on_profile(client)
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == ApiToken.hash(key)
    assert key not in token.key_hash and key not in token.key_prefix
    assert token.key_prefix == key[:10]
    assert all(key not in str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values())
    # The profile page never shows the key again, only its prefix.
    again = client.get("/profile/").content.decode()
    assert key not in again
    assert f"{token.key_prefix}…" in again


def test_token_authenticates_the_api_and_a_revoked_one_gets_401(client, alice):
    client.force_login(alice)
    key, _html = _create_on_profile(client)
    token = ApiToken.objects.get(user=alice)
    client.logout()

    response = client.get("/api/v1/me/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json()["email"] == "alice@aurora-ai.eu"
    token.refresh_from_db()
    assert token.last_used_at is not None

    client.force_login(alice)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    client.logout()

    response = client.get("/api/v1/me/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token.", "code": "authentication_failed"}
    assert response["WWW-Authenticate"] == "Token"


def test_wrong_or_malformed_token_gets_401(client, alice):
    for header in ("Token gap_not-a-real-key", "Token", "Token a b", "Bearer whatever"):
        response = client.get("/api/v1/me/", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_token_writes_need_no_csrf(client, alice):
    """Scripts with a token can POST; browser sessions stay CSRF-protected."""
    from django.test import Client

    client.force_login(alice)
    key, _html = _create_on_profile(client)
    script = Client(enforce_csrf_checks=True)
    response = script.post(
        "/api/v1/organisations/",
        {"legal_name": "Script GmbH", "country": "DE", "type": "sme"},
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 201, response.content
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post(
        "/api/v1/organisations/", {"legal_name": "X", "country": "DE", "type": "sme"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_empty_name_is_a_form_error(client, alice):
    client.force_login(alice)
    response = client.post("/profile/tokens/", {"name": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_another_users_token_cannot_be_revoked(client, alice, mallory):
    client.force_login(alice)
    _create_on_profile(client)
    token = ApiToken.objects.get(user=alice)
    client.force_login(mallory)
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_name_is_saved(client, alice):
    client.force_login(alice)
    response = client.post("/profile/", {"full_name": "Alice A. Applicant"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.full_name == "Alice A. Applicant"
