"""Slipstream settings, read from the environment.

Secure by default: with ``DEBUG`` off every protection is on, and a deployment switches one
off explicitly (``SECURE_SSL_REDIRECT=0`` behind a TLS proxy, say). With nothing set but
``DEBUG=1`` the app runs on a laptop: SQLite, Celery's filesystem broker and emails written
as files, all under ``var/``.
"""

from pathlib import Path

import dj_database_url
import django
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .env import env_bool, env_int, env_list, env_str, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG=1.")
    SECRET_KEY = "django-insecure-slipstream-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where members open Slipstream; every link in an email starts with it. Required in production
# (chapter/checks.py stops the start-up without it); `make run` sets it from its ADDR.
SITE_URL = (env_str("SITE_URL") or ("http://localhost:8000" if DEBUG else "")).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "django_htmx",
    "chapter.apps.ChapterConfig",
    "pages",
    "members",
    "meetings",
    "referrals",
    "reports",
    "reminders",
    "bniconnect",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped for a phone on a weak signal; after WhiteNoise, which serves static files
    # compressed ahead of time. Django pads each gzipped answer by a random length against
    # BREACH, and masks the CSRF token anew in every page.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "chapter.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "chapter.urls"
WSGI_APPLICATION = "chapter.wsgi.application"
ADMIN_URL = (env_str("ADMIN_URL") or "admin/").strip("/") + "/"

# No "loaders" option: Django's cached loader parses each template once per process (and, with
# DEBUG=1, reloads one when its file changes). The second directory holds Django's own form and
# widget templates, for the form renderer below (``TemplatesSetting`` reads them from here).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", Path(django.__path__[0]) / "forms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.context_processors.viewer",
            ],
        },
    },
]

# Every form field of the site drawn by templates/partials/field.html (pages.forms).
FORM_RENDERER = "pages.forms.FormRenderer"

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_health_checks=True)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
# On PostgreSQL each process holds a pool of at most DATABASE_POOL_MAX connections, whatever
# its threads, so a deployment knows what it asks of max_connections (docs/operating.md). A
# request takes a connection at its first query and gives it back at its end; a request that
# finds every connection busy waits for one, at most DATABASE_POOL_TIMEOUT seconds (then 503).
# DATABASE_POOL_MAX=0 keeps a connection per thread instead, for CONN_MAX_AGE seconds.
DATABASE_POOL_MAX = env_int("DATABASE_POOL_MAX", 4)
if DATABASE_POOL_MAX and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_int("CONN_MAX_AGE", 0):
        raise ImproperlyConfigured(
            "CONN_MAX_AGE must be 0 with the connection pool (the pool keeps the connections); "
            "set DATABASE_POOL_MAX=0 to keep one per thread instead."
        )
    _pool = {
        "min_size": env_int("DATABASE_POOL_MIN", 1),
        "max_size": DATABASE_POOL_MAX,
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
        # While the database is away the pool retries each connection with a doubling delay,
        # which after a minute's outage would leave the app refusing for another minute once
        # the database is back. Giving an attempt up after 5 s lets the next request start
        # afresh, so the app finds the database within seconds of its return.
        "reconnect_timeout": 5,
    }
    if _pool["min_size"] > _pool["max_size"]:
        raise ImproperlyConfigured(
            f"DATABASE_POOL_MIN={_pool['min_size']} is more than "
            f"DATABASE_POOL_MAX={_pool['max_size']}."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = _pool
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
# Server-side binding lets psycopg prepare a statement on its third run on a connection, and a
# prepared statement is planned once (a generic plan): the page queries filter by ids and
# dates, where PostgreSQL's custom plans (a slip list joined to two members) cost more to make
# than to run. One-off queries (the region's PALMS) are never prepared and keep
# plans made for their values. Behind a pooler in transaction mode (PgBouncer without
# prepared-statement support) set DATABASE_PREPARED_STATEMENTS=0.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # PostgreSQL's JIT compiles the region's PALMS query anew on every run and never pays
    # back on these short queries.
    settings_sent = ["-c jit=off"]
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        options.update(server_side_binding=True, prepare_threshold=2)
        settings_sent.append("-c plan_cache_mode=force_generic_plan")
    options["options"] = " ".join([options.get("options", ""), *settings_sent]).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and shared cache --------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss://.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "chapter.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "slipstream",
            # A request waits at most this long on a Redis that does not answer.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Users and login (django-allauth, email is the identity) --------------------------------
AUTH_USER_MODEL = "members.User"
# allauth's email login, loading the user with their seat in one query (members.access).
AUTHENTICATION_BACKENDS = ["members.access.SeatBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Slipstream] "
# Behind a reverse proxy every phone arrives from the proxy's address; the proxy names the
# phone in X-Forwarded-For. TRUSTED_PROXY_HOPS says how many proxies of ours add to that header,
# so the client is that many entries from its end (members.adapters.client_ip, which every
# per-address limit reads, allauth's and ours). 0: no proxy, the connection's own address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_HOPS", 0)
# Sign-in failures count per account (the email typed, from anywhere) and per address. The
# account's limit is what stops guessing one password; the address's is high, because a
# meeting's phones share the venue's one address and a few mistyped passwords must not lock
# out the room. Failures for emails that have no account lock out no one else's.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "20/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# Sessions live in the database and are read through the cache (Redis in production), so a
# request loads its session without a database round trip. When Redis is away the cache answers
# as a miss and the session is read from the database; a session written meanwhile is read as
# written once Redis is back (chapter.cache forgets the keys it could not write).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 30, minimum=60)

# --- Email ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "Slipstream <noreply@slipstream.local>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Unset: a laptop (DEBUG=1) writes each email as a file under var/mail/ for a person to read;
# a server hands mail to the local relay on port 25, the usual default for an MTA.
_email_url = env_str("EMAIL_URL") or (
    f"file://{VAR_DIR / 'mail'}" if DEBUG else "smtp+insecure://localhost:25"
)
MAILERS = {"default": mailer_from_url(_email_url)}

# --- Security: on unless a deployment opts out ------------------------------------------------
_production = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _production)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _production)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _production)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _production else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _production)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _production)
if env_bool("BEHIND_TLS_PROXY", False):
    # Only behind a proxy that sets this header itself: it makes request.is_secure() trust it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Static files (WhiteNoise) ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LANGUAGE_CODE = env_str("LANGUAGE_CODE") or "en-gb"
TIME_ZONE = "UTC"
# Every word on a page goes through Django's translation functions, and English ships in the
# templates themselves: with no catalogue to read, the translation machinery would only look
# each word up and fall back (several times per word, on every page drawn). A chapter that
# adds a catalogue in LOCALE_PATHS turns it on (docs/operating.md, "Another language").
USE_I18N = env_bool("USE_I18N", False)
LOCALE_PATHS = [Path(p) for p in env_list("LOCALE_PATHS", [str(BASE_DIR / "locale")])]
USE_TZ = True

# --- Celery -------------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # An unacknowledged task (its worker died) is handed to another worker after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
    }
else:
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE") or "slipstream"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5}
CELERY_TIMEZONE = "UTC"
CELERY_IMPORTS = ["chapter.tasks"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Sweeps run often in UTC; each decides per chapter in the chapter's own time zone.
    "sweep-reminders": {
        "task": "reminders.tasks.sweep_reminders",
        "schedule": crontab(minute="*/10"),
    },
    "clear-expired-sessions": {
        "task": "chapter.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "ensure-upcoming-meetings": {
        "task": "meetings.tasks.ensure_upcoming_meetings",
        "schedule": crontab(hour=2, minute=41),
    },
}

# A reminder claimed by a worker that then vanished may be claimed again after this long.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 600, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
