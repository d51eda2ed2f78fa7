"""Settings for the Gigafactory Access Portal.

One file, driven by environment variables (see the table in README.md). Typed helpers from
django-environ fail at start-up with the variable's name when a required value is missing or
malformed; there is no ``local_settings.py``.
"""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal.schedule import BEAT_SCHEDULE
from portal.schema_settings import API_SCHEMA_SETTINGS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("PORTAL_TESTING", default=False)

if DEBUG or TESTING:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # required in production: fails with its name when unset

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env.str("SITE_NAME", default="EU AI Gigafactories Access Portal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal",
    "accounts",
    "allocations",
    "reviews",
    "ledger",
    "audit",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Database unreachable: 503 with Retry-After instead of a 500 from any layer below.
    "portal.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",  # Django's, plus the session's MFA state
    "accounts.middleware.UserLanguageMiddleware",  # the language stored on a signed-in person's account
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMfaRequiredMiddleware",
    "allocations.terms.middleware.TermsReacceptanceMiddleware",  # a new version of the terms: accept it first
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL only (ledger and allocation rely on its locks, constraints and triggers)
if "DATABASE_URL" not in env:
    raise ImproperlyConfigured(
        "Set the DATABASE_URL environment variable (postgres://user:password@host:5432/name). "
        "`make run` and `make test` start an embedded PostgreSQL and set it for you."
    )
DATABASES = {"default": env.db_url("DATABASE_URL")}
# A percent-encoded host is a Unix socket directory (postgres://user@%2Fvar%2Frun%2Fpostgresql/name).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST") or "")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL; no other database is supported.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# Checked before a persistent connection is reused: after a database restart the next request reconnects.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# An unreachable database fails a request within seconds (a 503, see portal/middleware.py), not the OS timeout.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=3)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, cache (rate limits, sessions of the login throttle)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        # Degrades to "always a miss" while Redis is down, so pages and saves keep working (rule in portal/cache.py).
        "BACKEND": "portal.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="gap"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# --- Auth
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # The suite creates many users; PBKDF2's ~1 s per password would dominate its run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Links in account emails are built from the request's host with this scheme (invitations use SITE_URL).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG or TESTING else "https"
ACCOUNT_RATE_LIMITS = {
    # allauth keeps these counters in the cache (Redis), shared by every web process.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
if TESTING:
    ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip", "signup": "1000/m/ip"}
# Only for a load run whose simulated users all come from one address (`make load` sets it); unset in production.
if LOGIN_RATE_LIMIT := env.str("LOGIN_RATE_LIMIT", default=""):
    ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": LOGIN_RATE_LIMIT}
MFA_ADAPTER = "accounts.adapters.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Gigafactory Access Portal"

# Platform roles (Django groups) whose members must use MFA before opening a staff page.
STAFF_GROUPS = ["reviewer", "call manager", "allocation admin", "finance admin"]
# Pages under these prefixes are staff pages (apps put their reviewer/manager/admin pages there).
STAFF_URL_PREFIXES = ["/admin/", "/staff/"]

# --- I18n
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and one date-time presentation per language (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
# Calls (titles, summaries, descriptions, criteria) are written in English: on German and French pages they carry
# lang="en" so that screen readers pronounce them right.
CONTENT_LANGUAGE = env.str("CONTENT_LANGUAGE", default="en")
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Brussels")
USE_I18N = True
USE_TZ = True

# --- Static and media
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
# Private uploads: never below STATIC_ROOT or served by a URL; only permission-checked views stream them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# No URL pattern serves this prefix and WhiteNoise serves only STATIC_ROOT: private files stay private.
MEDIA_URL = "/private-media-is-not-served/"
STORAGES = {
    # A shared volume (NFS, CephFS) mounted at MEDIA_ROOT in multi-host deployments.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Email: sent by Celery tasks scheduled with transaction.on_commit
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_email_options = {
    option: _email[key]
    for key, option in {
        "EMAIL_HOST": "host",
        "EMAIL_PORT": "port",
        "EMAIL_HOST_USER": "username",
        "EMAIL_HOST_PASSWORD": "password",
        "EMAIL_USE_TLS": "use_tls",
        "EMAIL_USE_SSL": "use_ssl",
        "EMAIL_FILE_PATH": "file_path",
    }.items()
    if _email.get(key) not in (None, "")
}
if "smtp" in _email["EMAIL_BACKEND"]:
    _email_options["timeout"] = 20
else:
    _email_options = {k: v for k, v in _email_options.items() if k == "file_path"}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Gigafactory Access Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
DATA_PROTECTION_EMAIL = env.str("DATA_PROTECTION_EMAIL", default="data-protection@localhost")  # privacy notice
ACCESSIBILITY_EMAIL = env.str("ACCESSIBILITY_EMAIL", default="accessibility@localhost")  # accessibility statement

# --- Security
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Off only for a production-like run on plain HTTP on one's own machine (`make serve`); the deploy check warns.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG or TESTING else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Reviewer matching: large calls keep each application's best K reviewers as candidates (widened when short)
REVIEW_MATCHING_TOP_K = env.int("REVIEW_MATCHING_TOP_K", default=50)

# --- Celery (Redis broker; beat schedule declared in code)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
# Bounded connection attempts: a request that publishes while Redis is down fails in about a second, and the
# outbox (portal/outbox.py) keeps the message for the beat relay.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_TASK_SOFT_TIME_LIMIT = 1500  # both below the visibility timeout, so a running task is never redelivered
CELERY_TASK_TIME_LIMIT = 1800
CELERY_TASK_ACKS_LATE = False  # opt in per task, only for idempotent tasks
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE  # portal/schedule.py: every periodic task, by its Celery name

# --- Provisioning of grants on the clusters (allocations.usage.provisioning; the site agent in site_agent/)
SLURM_PROVISIONING_LEAD_DAYS = env.int("SLURM_PROVISIONING_LEAD_DAYS", default=7)  # accounts before a grant starts
SLURM_USER_GRACE_DAYS = env.int("SLURM_USER_GRACE_DAYS", default=30)  # users stay after the end to move data off
SLURM_ACCOUNT_RETENTION_DAYS = env.int("SLURM_ACCOUNT_RETENTION_DAYS", default=365)  # then the account is deleted
SLURM_AGENT_SILENCE_MINUTES = env.int("SLURM_AGENT_SILENCE_MINUTES", default=60)  # alert when an agent is silent

# --- Personal data (privacy/): the daily retention job deletes drafts and sign-ups older than these
PRIVACY_DRAFT_RETENTION_DAYS = env.int("PRIVACY_DRAFT_RETENTION_DAYS", default=730)  # drafts untouched this long
PRIVACY_UNVERIFIED_SIGNUP_DAYS = env.int("PRIVACY_UNVERIFIED_SIGNUP_DAYS", default=30)  # email never confirmed

# --- After the award (allocations.postaward): the final report is due this many days after the award's last slice
FINAL_REPORT_DUE_DAYS = env.int("FINAL_REPORT_DUE_DAYS", default=60)

# --- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes missing or revoked credentials a 401, not a 403.
        "accounts.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only; views that take a file upload opt in to multipart.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "portal.api.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.openapi.ApiAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "portal.api.UserRateThrottle",  # per user, and per cluster for cluster tokens
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "1200/min"},
}
SPECTACULAR_SETTINGS = API_SCHEMA_SETTINGS  # portal/schema_settings.py: titles, hooks, enum names

# --- Logging: to stderr, one line per record
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

ADMINS = [("Admin", a) for a in env.list("ADMIN_EMAILS", default=[])]
