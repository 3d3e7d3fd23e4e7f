"""Settings for CIIC Platform, read from the environment with strict parsers.

SQLite is used when DATABASE_URL is unset; PostgreSQL is the production database.
A bad value in the environment stops the process at start-up with a message that names it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from ciic.core import storage_config

BASE_DIR = Path(__file__).resolve().parent.parent

# `make run` keeps this installation's secrets in var/local.env, written once by
# scripts/local_env.py, so every command run in this checkout encrypts with the same keys.
# A variable set in the environment wins over the file.
load_dotenv(BASE_DIR / "var" / "local.env", override=False)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected a boolean (true/false, 1/0, yes/no)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from exc


DEBUG = env_bool("DEBUG", True)
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = DEV_SECRET_KEY


def derived_field_key(secret: str) -> str:
    """The field encryption key used when none is set: derived from SECRET_KEY (DEBUG only)."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Personal data (ID numbers, phones) is encrypted at rest with this key (Fernet, urlsafe
# base64 of 32 bytes). Several keys, comma separated, allow rotation: the first encrypts.
_field_keys = [k for k in env_str("FIELD_ENCRYPTION_KEYS").split(",") if k]
if not _field_keys:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off")
    _field_keys = [derived_field_key(SECRET_KEY)]
FIELD_ENCRYPTION_KEYS = _field_keys


def derived_blind_index_key(field_key: str) -> str:
    """The blind-index key a development install derives from its field key (DEBUG only)."""
    return hashlib.sha256(("blind-index:" + field_key).encode()).hexdigest()


# Keyed hash for looking personal data up without decrypting it: one person, one team (R-P3),
# an account by its mobile. Its own setting, never rotated with FIELD_ENCRYPTION_KEYS: every
# stored hash was made with it, so a new key would make the platform miss every earlier
# registration. Required when DEBUG is off.
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY")
if not BLIND_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEY must be set when DEBUG is off (a long random string, kept for the life "
            "of the database; see README)")
    BLIND_INDEX_KEY = derived_blind_index_key(FIELD_ENCRYPTION_KEYS[0])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # The CAPTCHA the popularity vote asks for once a rate limit is reached (ciic.votes).
    "captcha",
    "ciic.core",
    "ciic.audit",
    "ciic.contests",
    "ciic.accounts",
    "ciic.entrants",
    "ciic.projects",
    "ciic.notifications",
    "ciic.review",
    "ciic.awards",
    "ciic.votes",
    "ciic.certificates",
    "ciic.publicity",
    "ciic.organizing",
    "ciic.api",
    "ciic.site",
    "ciic.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every error under /api/v1/ in the API's one JSON shape (outermost: it sees every answer).
    "ciic.api.middleware.ApiErrorShapeMiddleware",
    # Static files from the server itself when DEBUG is off (`make run` serves through gunicorn).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL character in any field is refused before any view (a 400 naming the field).
    "ciic.core.middleware.InputGuardMiddleware",
    "ciic.accounts.middleware.SessionRefreshMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ciic.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ciic.urls"
WSGI_APPLICATION = "ciic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ciic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ciic.contests.context_processors.platform",
                "ciic.notifications.context_processors.notifications",
            ],
            # `{% rule "R-P3" %}` in every template: a badge linking to the rule's text.
            "builtins": ["ciic.contests.templatetags.contest_rules"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        # WAL: readers never wait for the writer, nor the writer for readers.
        "init_command": "PRAGMA journal_mode=WAL;",
        # A transaction takes the write lock when it begins. A deferred one that read first
        # fails at once with "database is locked" when another writer holds the lock: SQLite
        # cannot wait for a lock upgrade. Taken up front, writers queue instead.
        "transaction_mode": "IMMEDIATE",
        # How long a writer waits for the lock, in seconds, before giving up.
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "ciic.accounts.backends.EmailOrMobileBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "ciic.accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:dashboard"
LOGOUT_REDIRECT_URL = "site:home"

# Sessions: rotated at login by Django's login(), expire after a working day of inactivity.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Pushed back at most every SESSION_REFRESH_SECONDS (accounts.middleware.SessionRefreshMiddleware),
# so a plain page view writes nothing.
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Login throttling (django-axes): lock an identifier+IP after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "CIIC Platform"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "ciic" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves static files from the apps' static folders (its finders), so `make run`
# needs no collectstatic. A deployment that collects them sets STATIC_ROOT and
# WHITENOISE_USE_FINDERS=false.
STATIC_ROOT = env_str("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
STATICFILES_DIRS = [BASE_DIR / "ciic" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# Materials on the local disk, or in an S3-compatible store when CIIC_S3_BUCKET is set.
STORAGES = storage_config.storages(os.environ)

# Links in notification emails point here; by default the local address on the port `make run`
# serves (PORT).
SITE_URL = env_str("SITE_URL") or f"http://127.0.0.1:{env_int('PORT', 8000)}"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Text messages (one-time codes): printed to the console unless a provider's backend is set
# (ciic/notifications/sms.py says what such a class provides).
SMS_BACKEND = env_str("SMS_BACKEND", "ciic.notifications.sms.ConsoleSmsBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@cii-contest.local")

# Background tasks (the originality check, upload cleanup) are queued in the database and run
# by `manage.py db_worker` (`make run` starts one). TASKS_BACKEND=
# django_tasks.backends.immediate.ImmediateBackend runs them at once in the caller instead
# (the test suite does, see ciic/conftest.py).
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The contest a fresh install serves; any contest spec can be loaded beside it.
CIIC_DEFAULT_CONTEST = env_str("CIIC_DEFAULT_CONTEST", "ciic-2023")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # fontTools logs every glyph it keeps when the submission PDFs subset their font.
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# django-axes keeps failed logins: keep a keyed hash of the identifier, never the phone itself.
AXES_USERNAME_CALLABLE = "ciic.accounts.throttle.hashed_username"

# Project materials (R-J7): uploads are streamed to disk in chunks, never held whole in memory.
# Request bodies above this size are refused unless a view reads the stream itself (tus does).
# How often one address, or one account, may do each thing (core.ratelimit; "N/period", period
# s, m, h or d). The API's writes are throttled per account and per address (api.throttling).
RATE_LIMITS = {
    "signup": env_str("RATE_SIGNUP", "10/h"),
    "code": env_str("RATE_CODE", "10/h"),
    "preview": env_str("RATE_PREVIEW", "60/m"),
    "representative": env_str("RATE_REPRESENTATIVE", "30/m"),
    "confirm_representative": env_str("RATE_CONFIRM_REPRESENTATIVE", "30/h"),
    "submit": env_str("RATE_SUBMIT", "20/m"),
    "api_write": env_str("RATE_API_WRITE", "60/m"),
    "api_write_address": env_str("RATE_API_WRITE_ADDRESS", "120/m"),
}

# API tokens (accounts.ApiToken) expire this many days after they are issued; their last use is
# written at most once per API_TOKEN_TOUCH_SECONDS (not a write on every read).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
API_TOKEN_TOUCH_SECONDS = 60
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2621440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Partial tus uploads live here until they complete or expire (cleanup_uploads removes them).
UPLOAD_TEMP_DIR = env_str("UPLOAD_TEMP_DIR")  # empty: MEDIA_ROOT/partial, resolved at run time
UPLOAD_CHUNK_SIZE = env_int("UPLOAD_CHUNK_SIZE", 1024 * 1024)
UPLOAD_EXPIRY_HOURS = env_int("UPLOAD_EXPIRY_HOURS", 24)
# Archives are checked from their directory before anything is unpacked (zip bombs).
ARCHIVE_MAX_UNCOMPRESSED_MB = env_int("ARCHIVE_MAX_UNCOMPRESSED_MB", 4096)
ARCHIVE_MAX_FILES = env_int("ARCHIVE_MAX_FILES", 10000)
ARCHIVE_MAX_RATIO = env_int("ARCHIVE_MAX_RATIO", 100)

# The CJK font embedded in the submission PDFs (Debian's fonts-noto-cjk, `make fonts`).
# A collection (.ttc) is fine: the Simplified Chinese face is picked from it by name.
CJK_FONT_PATH = env_str("CJK_FONT_PATH", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
