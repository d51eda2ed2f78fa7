"""Login attempts are rate-limited per account (allauth, counters in Redis), as in production."""

from django.conf import settings

from tests.factories import PASSWORD

LOCKED = "Too many failed sign-in attempts for this account."


def _login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_per_account_limit_is_the_production_one():
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"


def test_sixth_attempt_within_five_minutes_is_refused_even_with_the_right_password(client, alice):
    for attempt in range(5):
        response = _login(client, alice.email, f"wrong-password-{attempt}")
        assert response.status_code == 200
        assert "The email address and/or password you specified are not correct." in response.content.decode()
    response = _login(client, alice.email, PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_account_and_the_counter_lives_in_redis(client, alice, mallory):
    from django.core.cache import cache

    for attempt in range(5):
        _login(client, alice.email, f"wrong-password-{attempt}")
    keys = [key.decode() for key in cache._cache.get_client().keys("*")]
    assert any("login_failed" in key for key in keys), keys  # in Redis, shared by every web process
    # Another account from the same address is not locked.
    response = _login(client, mallory.email, PASSWORD)
    assert response.status_code == 302
    client.logout()
    # Once the window is over (counters cleared), the right password works again.
    cache.clear()
    response = _login(client, alice.email, PASSWORD)
    assert response.status_code == 302


def test_fewer_failures_do_not_lock(client, alice):
    for attempt in range(4):
        _login(client, alice.email, f"wrong-password-{attempt}")
    response = _login(client, alice.email, PASSWORD)
    assert response.status_code == 302
