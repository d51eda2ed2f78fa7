"""Settings fail early with the variable's name."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_settings(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _base_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "PORTAL_TESTING"}}


def test_missing_secret_key_in_production_names_the_variable():
    result = _import_settings({**_base_env(), "DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_missing_database_url_names_the_variable():
    env = {**_base_env(), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    result = _import_settings(env)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_non_postgres_database_is_refused():
    result = _import_settings({**_base_env(), "DEBUG": "1", "DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_production_settings_import_with_required_values():
    result = _import_settings({**_base_env(), "DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.eu"})
    assert result.returncode == 0, result.stderr


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603


def test_login_rate_limit_keeps_the_production_default_unless_a_load_run_raises_it():
    production = {**_base_env(), "DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.eu"}
    production.pop("LOGIN_RATE_LIMIT", None)
    code = "import portal.settings as s; print(s.ACCOUNT_RATE_LIMITS['login'], s.ACCOUNT_RATE_LIMITS['login_failed'])"
    assert _python(code, production).stdout.split() == ["30/m/ip", "10/m/ip,5/5m/key"]
    raised = _python(code, {**production, "LOGIN_RATE_LIMIT": "100000/m/ip"})
    assert raised.stdout.split() == ["100000/m/ip", "10/m/ip,5/5m/key"]  # failed logins stay limited


def test_wsgi_application_loads_every_urlconf_before_the_first_request():
    """A worker's first request must not import the views: on a loaded host that outlasted gunicorn's timeout
    (an empty 500 on the sign-in page)."""
    env = {**_base_env(), "DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "portal.eu"}
    code = "import sys, portal.wsgi; print('allauth.mfa.urls' in sys.modules, 'allocations.urls' in sys.modules)"
    result = _python(code, env)
    assert result.stdout.split() == ["True", "True"], result.stderr
