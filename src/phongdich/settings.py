"""Django settings. Everything an operator sets comes from the environment (see config.py, README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from phongdich import config

BASE_DIR = Path(__file__).resolve().parent
HOME = config.data_home()
PRODUCTION = config.is_production()

SECRET_KEY = config.secret_key(HOME)
DEBUG = config.env_bool("PHONGDICH_DEBUG", default=False)
ALLOWED_HOSTS = config.env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])
if PRODUCTION and not ALLOWED_HOSTS:
    raise config.ConfigurationError("ALLOWED_HOSTS must be set when PHONGDICH_ENV=production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "phongdich.core",
    "phongdich.accounts",
    "phongdich.audit",
    "phongdich.geo",
    "phongdich.people",
    "phongdich.venues",
    "phongdich.checkins",
    "phongdich.vaccination",
    "phongdich.testing",
    "phongdich.cases",
    "phongdich.tracing",
    "phongdich.certificates",
    "phongdich.exposure",
    "phongdich.quarantine",
    "phongdich.tasks",
    "phongdich.notify",
    # Lockdown before levels: its demo step marks the cases that the levels step then assesses.
    "phongdich.lockdown",
    "phongdich.levels",
    "phongdich.situation",
    "phongdich.reports",
    "phongdich.declarations",
    "phongdich.checkpoints",
    "phongdich.portal",
    "phongdich.synth",
    "phongdich.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phongdich.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "phongdich.core.middleware.ApiErrorShapeMiddleware",
    "phongdich.core.middleware.UnstorableQueryTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "phongdich.audit.middleware.RequestContextMiddleware",
    # Last, as django-axes requires: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "phongdich.urls"
WSGI_APPLICATION = "phongdich.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "phongdich.web.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        config.env_str("DATABASE_URL") or f"sqlite:///{HOME / 'phongdich.sqlite3'}",
        conn_max_age=config.env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a background job writes; a busy timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("TEST", {})["NAME"] = None
elif config.env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # The few hot statements ask for server-side preparation (core.db.fetch_prepared); a threshold no
    # statement reaches keeps psycopg from preparing anything else. Off behind a pooler that cannot keep
    # prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"]["OPTIONS"] = {"prepare_threshold": 2**31 - 1}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Web login lockout (django-axes): five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = config.env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy the client address comes from X-Forwarded-For (see README).
AXES_IPWARE_PROXY_COUNT = config.env_int("PROXY_COUNT", 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = config.env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(config.env_str("STATIC_ROOT") or HOME / "static")
if not PRODUCTION:
    # WhiteNoise expects the folder to exist even while it serves from the apps' static folders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production the app serves static files straight from the packages: no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = HOME / "media"

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

# Background jobs: Celery on Redis when a broker is configured, otherwise run eagerly in-process.
CELERY_BROKER_URL = config.env_str("CELERY_BROKER_URL") or config.env_str("REDIS_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# Results are kept only where a broker exists (callers may wait for a job); eager runs return directly.
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not config.env_str("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": config.env_str("REDIS_URL")}
}

# Logs carry no personal data: persons appear by id only, never by name, ID number or phone.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "phongdich.core.logging.RedactQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": config.env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# Values of several types (numbers, the site address): readers convert what they take.
PHONGDICH: dict[str, Any] = {
    # Items per page in lists and API pages, and the most a client may ask for.
    "PAGE_SIZE": 25,
    "MAX_PAGE_SIZE": 200,
    # Check-ins are deleted after this many days (tracing looks back 14 days, plus a margin).
    "CHECKIN_RETENTION_DAYS": config.env_int("CHECKIN_RETENTION_DAYS", 21),
    # The address printed in venue QR posters when there is no request to build it from.
    "SITE_URL": config.env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
}

CELERY_BEAT_SCHEDULE = {
    "purge-expired-api-tokens": {"task": "accounts.purge_expired_tokens", "schedule": 24 * 3600},
    # Check-ins: close forgotten visits at the default stay, make the coming days' partitions, purge old ones.
    "infer-checkouts": {"task": "checkins.infer_checkouts", "schedule": 10 * 60},
    "ensure-checkin-partitions": {"task": "checkins.ensure_partitions", "schedule": 6 * 3600},
    "purge-expired-checkins": {"task": "checkins.purge_expired", "schedule": 24 * 3600},
    # Tracing: a check-in deleted by any path takes its contacts (no longer justified) with it.
    "tracing-removed-checkins": {"task": "tracing.reconcile_removed_checkins", "schedule": 15 * 60},
    # …and a case whose tracing job was lost or failed is traced again.
    "tracing-pending-cases": {"task": "tracing.trace_pending", "schedule": 5 * 60},
    # Notifications: retries whose back-off has passed, and messages whose delivery job was lost.
    "notify-deliver-due": {"task": "notify.deliver_due", "schedule": 60},
    # Exposure notifications: the hourly export batch, and keys older than 14 days deleted.
    "exposure-publish-exports": {"task": "exposure.publish_exports", "schedule": 15 * 60},
    "exposure-purge-expired": {"task": "exposure.purge_expired", "schedule": 24 * 3600},
    # Quarantine: orders at their planned end released (or sent for review); missed daily checks after the cutoff.
    "quarantine-release-due": {"task": "quarantine.release_due_orders", "schedule": 30 * 60},
    "quarantine-missed-checks": {"task": "quarantine.check_missed_health_checks", "schedule": 30 * 60},
    # Situation: the last two days' figures per commune recomputed (repairs any update lost on the way).
    "situation-refresh-recent": {"task": "situation.refresh_recent", "schedule": 15 * 60},
    # Epidemic levels: every unit assessed weekly (results "computed", for the districts to propose).
    "levels-assess-weekly": {"task": "levels.assess_all", "schedule": 7 * 24 * 3600},
}
# The local hour by which a person in quarantine should have sent the day's health check.
PHONGDICH_HEALTH_CHECK_CUTOFF_HOUR = config.env_int("PHONGDICH_HEALTH_CHECK_CUTOFF_HOUR", 18)
# The local hour by which communes send the day's report (reports app); later ones count as late.
PHONGDICH_REPORT_DEADLINE_HOUR = config.env_int("PHONGDICH_REPORT_DEADLINE_HOUR", 16)
# Largest directive attachment, in bytes.
PHONGDICH_DIRECTIVE_MAX_BYTES = config.env_int("PHONGDICH_DIRECTIVE_MAX_BYTES", 10 * 1024 * 1024)

# Notifications (notify app). Channels: "console" (appends to the outbox file; the demo's), "email" (Django's
# e-mail backend), "webhook" (JSON POST to an SMS/Zalo gateway, signed with the shared secret).
PHONGDICH_NOTIFY_CHANNELS = {
    "person": config.env_str("PHONGDICH_NOTIFY_PERSON_CHANNEL", "console"),
    "user": config.env_str("PHONGDICH_NOTIFY_USER_CHANNEL", "console"),
}
PHONGDICH_NOTIFY_OUTBOX = Path(config.env_str("PHONGDICH_NOTIFY_OUTBOX") or HOME / "outbox.log")
PHONGDICH_NOTIFY_WEBHOOK_URL = config.env_str("PHONGDICH_NOTIFY_WEBHOOK_URL", "")
PHONGDICH_NOTIFY_WEBHOOK_SECRET = config.env_str("PHONGDICH_NOTIFY_WEBHOOK_SECRET", "")
PHONGDICH_NOTIFY_WEBHOOK_TIMEOUT = config.env_int("PHONGDICH_NOTIFY_WEBHOOK_TIMEOUT", 10)
EMAIL_HOST = config.env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = config.env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = config.env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = config.env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = config.env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = config.env_str("DEFAULT_FROM_EMAIL", "phongdich@localhost")
