"""Busbar settings, read once from the environment.

Every value comes through a typed reader in :mod:`busbar.lib.env`; a bad value stops start-up with a
message naming the variable. See docs/configuration.md for the full list.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from busbar.lib.env import (
    ConfigError,
    env_bool,
    env_cache,
    env_database,
    env_int,
    env_list,
    env_rate,
    env_str,
    served_url,
)

BASE_DIR = Path(__file__).resolve().parent


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Test mode is a setting: the test suite turns it on (busbar/testmode.py, loaded first by pytest).
TESTING = env_bool("BUSBAR_TESTING", False)

try:
    DATA_DIR = Path(env_str("BUSBAR_DATA_DIR", str(Path.cwd() / "var"))).resolve()
    DEBUG = env_bool("BUSBAR_DEBUG", False)
    _secret = env_str("SECRET_KEY", "")
    if not _secret:
        if DEBUG or TESTING or env_bool("BUSBAR_INSECURE_DEV_SECRET", False):
            _secret = "insecure-development-key-do-not-use-in-production"  # noqa: S105
        else:
            raise ConfigError(
                "SECRET_KEY is not set: set it to a long random string (busbar serve sets one for local use)"
            )
    elif len(_secret) < 32:
        raise ConfigError("SECRET_KEY is too short: use at least 32 random characters")
    SECRET_KEY = _secret
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'busbar.sqlite3'}")}
    TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
    # The address in emails and printed links. Unset, it is where `busbar serve` last served on this data
    # directory (its --host and --port, so `busbar worker` links to the same), else http://127.0.0.1:8000.
    SITE_URL = env_str(
        "BUSBAR_SITE_URL", (None if TESTING else served_url(DATA_DIR)) or "http://127.0.0.1:8000"
    ).rstrip("/")
    MAIL_DOMAIN = env_str("BUSBAR_MAIL_DOMAIN", "busbar.example")

    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Busbar <desk@{MAIL_DOMAIN}>")
    SERVER_EMAIL = DEFAULT_FROM_EMAIL
    EMAIL_HOST = env_str("EMAIL_HOST", "")
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL and EMAIL_HOST:
        raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
    LOGIN_ATTEMPTS_PER_5_MINUTES = env_int("BUSBAR_LOGIN_ATTEMPTS", 5, minimum=1, maximum=1000)
    API_PAGE_MAX = env_int("BUSBAR_API_PAGE_MAX", 200, minimum=10, maximum=1000)
    BUSBAR_ATTACHMENT_MAX_BYTES = env_int(
        "BUSBAR_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=200 * 1024 * 1024
    )
    BUSBAR_REOPEN_WINDOW_DAYS = env_int("BUSBAR_REOPEN_WINDOW_DAYS", 10, minimum=0, maximum=365)
    BUSBAR_MAJOR_UPDATE_MINUTES = env_int("BUSBAR_MAJOR_UPDATE_MINUTES", 60, minimum=5, maximum=24 * 60)
    # Participants see the provider organisation working an incident; the people (assignee, authors) only
    # when this is on (busbar.incidents.queries.resolver_people_visible).
    BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS = env_bool("BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS", False)
    # Monitoring events with the same key on a service within this many minutes are folded into one.
    BUSBAR_EVENT_FOLD_MINUTES = env_int("BUSBAR_EVENT_FOLD_MINUTES", 60, minimum=1, maximum=7 * 24 * 60)
    # The largest batch of events one request may carry (1,000 events of a few kB at most).
    BUSBAR_EVENT_BATCH_MAX_BYTES = env_int(
        "BUSBAR_EVENT_BATCH_MAX_BYTES", 4 * 1024 * 1024, minimum=64 * 1024, maximum=64 * 1024 * 1024
    )
    # Who hears of SLA breaches beyond the desk: membership roles, comma-separated.
    BUSBAR_SLA_ESCALATE_TO = env_list("BUSBAR_SLA_ESCALATE_TO", ["operations_manager"])
    _roles = {"participant", "resolver", "analyst", "operations_manager", "org_admin", "platform_admin"}
    if unknown := set(BUSBAR_SLA_ESCALATE_TO) - _roles:
        raise ConfigError(
            f"BUSBAR_SLA_ESCALATE_TO: unknown role {sorted(unknown)[0]!r} (use {', '.join(sorted(_roles))})"
        )
    BUSBAR_SLA_SCAN_SECONDS = env_int("BUSBAR_SLA_SCAN_SECONDS", 60, minimum=10, maximum=3600)
    # The longest description, update, note or resolution accepted, in characters (API, pages and email).
    BUSBAR_TEXT_MAX_CHARS = env_int("BUSBAR_TEXT_MAX_CHARS", 20_000, minimum=1_000, maximum=1_000_000)
    # API requests per user (all of their tokens and their browser session together).
    BUSBAR_API_RATE = env_rate("BUSBAR_API_RATE", "600/m")
    # How long an Idempotency-Key and the response it recorded are kept.
    BUSBAR_IDEMPOTENCY_HOURS = env_int("BUSBAR_IDEMPOTENCY_HOURS", 24, minimum=1, maximum=24 * 30)
    # A task whose worker has not been heard of for this long is handed to another worker.
    BUSBAR_TASK_LEASE_SECONDS = env_int("BUSBAR_TASK_LEASE_SECONDS", 120, minimum=10, maximum=24 * 3600)
    # A task picked up this many times without finishing is marked failed instead of run again.
    BUSBAR_TASK_MAX_ATTEMPTS = env_int("BUSBAR_TASK_MAX_ATTEMPTS", 5, minimum=1, maximum=100)
    # Shared by every server process: login lock-out and API rate limits (tests: one process, in memory).
    CACHES = {"default": env_cache("BUSBAR_CACHE_URL", "locmem://" if TESTING else "db://busbar_cache")}
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto: trust it to mark requests as https.
    BUSBAR_BEHIND_PROXY = env_bool("BUSBAR_BEHIND_PROXY", False)
    BUSBAR_HSTS_SECONDS = env_int("BUSBAR_HSTS_SECONDS", 31_536_000, minimum=0, maximum=2 * 31_536_000)
    # HSTS covers the host's own subdomains and consents to browser preload lists (the host, e.g.
    # busbar.operator.example, not the organisation's whole domain). Turn off if that does not hold.
    BUSBAR_HSTS_INCLUDE_SUBDOMAINS = env_bool("BUSBAR_HSTS_INCLUDE_SUBDOMAINS", True)
    BUSBAR_HSTS_PRELOAD = env_bool("BUSBAR_HSTS_PRELOAD", True)
    # busbar serve: worker processes (default two per core, plus one) and threads in each.
    BUSBAR_WORKERS = env_int("BUSBAR_WORKERS", 2 * _cores() + 1, minimum=1, maximum=64)
    BUSBAR_THREADS = env_int("BUSBAR_THREADS", 4, minimum=1, maximum=64)
    # Seconds a request may run before its worker is replaced (a stuck request must not hold a worker).
    BUSBAR_REQUEST_TIMEOUT = env_int("BUSBAR_REQUEST_TIMEOUT", 60, minimum=5, maximum=3600)
    # How long busbar serve and busbar worker wait for the database at start (0: for ever).
    BUSBAR_DB_WAIT_SECONDS = env_int("BUSBAR_DB_WAIT_SECONDS", 300, minimum=0, maximum=24 * 3600)
    BUSBAR_ACCESS_LOG = env_bool("BUSBAR_ACCESS_LOG", False)
    # Days an invitation to join an organisation stays open.
    BUSBAR_INVITATION_DAYS = env_int("BUSBAR_INVITATION_DAYS", 14, minimum=1, maximum=90)
    # Invitations one person may send an hour, and pending invitations one organisation may have.
    BUSBAR_INVITATIONS_PER_HOUR = env_int("BUSBAR_INVITATIONS_PER_HOUR", 30, minimum=1, maximum=10_000)
    BUSBAR_PENDING_INVITATIONS_MAX = env_int(
        "BUSBAR_PENDING_INVITATIONS_MAX", 200, minimum=1, maximum=100_000
    )
except ConfigError as exc:
    raise ImproperlyConfigured(f"Busbar configuration error: {exc}") from None

try:
    from zoneinfo import ZoneInfo

    ZoneInfo(TIME_ZONE)
except Exception:
    raise ImproperlyConfigured(
        f"Busbar configuration error: TIME_ZONE={TIME_ZONE!r} is not a known zone"
    ) from None

# Outbound mail is queued as a background task (busbar.core.mailqueue); the task delivers through the real
# backend below, so a request never waits on an SMTP server.
EMAIL_BACKEND = "busbar.core.mailqueue.QueuedEmailBackend"
BUSBAR_DELIVERY_EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "busbar.core",
    "busbar.accounts",
    "busbar.parties",
    "busbar.audit",
    "busbar.services",
    "busbar.records",
    "busbar.incidents",
    "busbar.problems",
    "busbar.knowledge",
    "busbar.events",
    "busbar.triage",
    "busbar.testing",
    "busbar.programmes",
    "busbar.changes",
    "busbar.registers",
    "busbar.requests",
    "busbar.demand",
    "busbar.orders",
    "busbar.migration",
    "busbar.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "busbar.core.middleware.SecurityHeadersMiddleware",
    "busbar.core.middleware.ApiProblemMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "busbar.core.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "busbar.accounts.middleware.RequireMfaMiddleware",
    "busbar.core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "busbar.urls"
WSGI_APPLICATION = "busbar.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "busbar.core.context.navigation",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "busbar.accounts.backends.ModelBackend",
    "busbar.accounts.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email-only sign-in, no self sign-up (organisation administrators invite users).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "busbar.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"20/m/ip,{LOGIN_ATTEMPTS_PER_5_MINUTES}/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Busbar] "
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"
MFA_ADAPTER = "busbar.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Busbar"
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn needs a secure origin; http://127.0.0.1 is allowed for local use only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING or SITE_URL.startswith("http://127.0.0.1")

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default", "email"],
    }
}

LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("BUSBAR_STATIC_ROOT", "") or DATA_DIR / "static")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

SESSION_COOKIE_HTTPONLY = True
HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_TRUSTED_ORIGINS = [SITE_URL]
CSRF_FAILURE_VIEW = "busbar.core.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Served over https: redirect plain http, and tell browsers to use https only (HSTS).
SECURE_SSL_REDIRECT = HTTPS and not DEBUG
SECURE_HSTS_SECONDS = BUSBAR_HSTS_SECONDS if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = BUSBAR_HSTS_INCLUDE_SUBDOMAINS
SECURE_HSTS_PRELOAD = BUSBAR_HSTS_PRELOAD
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BUSBAR_BEHIND_PROXY else None
USE_X_FORWARDED_HOST = False
# The Content-Security-Policy every page is served with (busbar.core.middleware.SecurityHeadersMiddleware).
# Pages load scripts, styles and images from Busbar itself only: no inline script, no inline style.
BUSBAR_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
# Uploads above the attachment limit are refused by the action with a clear message; this only bounds memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = (
    2 * BUSBAR_ATTACHMENT_MAX_BYTES + 1024 * 1024
)  # an email carrying one attachment
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The DIP simulator reads the official DIP API specification from this folder at run time (Busbar does not
# ship it: the upstream files carry no licence). Empty: the simulator refuses to start, naming this setting.
BUSBAR_DIP_SPEC_DIR = env_str("BUSBAR_DIP_SPEC_DIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("BUSBAR_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
