"""Settings shared by every environment.

Everything is read from the environment (cookiecutter-django style); `local`, `test` and
`production` only override. Reference: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# The insecure fallback is only for the zero-setup default; production.py refuses it.
INSECURE_SECRET_KEY = "django-insecure-peixun-local-development-only"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or INSECURE_SECRET_KEY
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.institutions",
    "apps.classes",
    "apps.trainees",
    "apps.claims",
    "apps.audits",
    "apps.ledger",
    "apps.exports",
    "apps.notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.idempotency.IdempotencyMiddleware",
    "apps.core.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "apps.core.context_processors.navigation",
                "apps.notices.context_processors.unread_notices",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://peixun:secret@db:5432/peixun. Unset: a SQLite file beside
# manage.py, the zero-setup default. https://github.com/jazzband/dj-database-url
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL's JIT compiler (DATABASE_JIT=on to keep it): it compiles a query whose estimated cost
# passes jit_above_cost, and a list's query with a permission or findings EXISTS per kind of row
# is estimated far above it however few rows it reads: measured at 1,000,000 claim lines, 50–90 ms
# of compiling for a query that ran in 1 ms (the changes feed, the claims' has-findings filter).
# The portal's queries are short, so it is off unless asked for.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env_bool("DATABASE_JIT", default=False):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite cannot enforce UNIQUE ... NULLS NOT DISTINCT (one recognition per occupation and
# level, 专项 included); PostgreSQL does, and the services check it on both.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, loading the session's user with their unread 消息 count in the same
# query (the header's badge on every page costs no query); sessions begun under the plain
# ModelBackend stay valid.
AUTHENTICATION_BACKENDS = [
    "apps.notices.backends.UnreadCountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "apps.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock-out: this many failed logins for one username within the window lock it for the
# window (counted per username, so guessing unknown names is throttled the same way).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_WINDOW = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))

# The claim forms' rows: up to 1,000 rows (apps.claims.forms.row_formset) of up to 10 fields
# each, plus the header. Longer rosters come by Excel upload (apps.claims.imports); a post over
# the cap answers templates/400.html, which says so.
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-number-fields
DATA_UPLOAD_MAX_NUMBER_FIELDS = 12_000

# Sessions: server-side, HttpOnly, not readable cross-site, expire after a working day
# and when the browser closes (officers share desktop machines).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
# Strings stay marked for translation, but no other language is offered until it is translated
# (and no LocaleMiddleware to pick one): a browser asking for English still gets the Chinese portal,
# Django's and DRF's own messages included.
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.ListPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, JSON's refusals in Chinese and deep nesting a 400 (apps.core.parsers.JsonParser).
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JsonParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "apps.core.apis.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One throttle, its scope chosen by what the request does (apps.core.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.ApiThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("API_RATE_LOGIN", "10/min"),
        "quote": os.environ.get("API_RATE_QUOTE", "600/min"),
        "write": os.environ.get("API_RATE_WRITE", "120/min"),
        "read": os.environ.get("API_RATE_READ", "1200/min"),
    },
}

# The OpenAPI 3 schema (/api/v1/schema, committed as docs/openapi.yaml) and its reference pages,
# served from local static files (drf-spectacular-sidecar: no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "培训补贴 Peixun API",
    "DESCRIPTION": (
        "重庆市职业技能提升行动培训补贴管理平台的接口（渝人社发〔2021〕12号）。"
        "令牌：POST /api/v1/auth/token；之后每个请求带 Authorization: Token <令牌>。"
        "使用说明见 docs/api.md。The API of the Peixun training-subsidy portal; see docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # `<id:pk>` (apps.core.urls.IdConverter): an id of 1 to 18 digits.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999}},
    # One name per choice set (several models call theirs `status`, `kind` or `to`).
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "apps.accounts.models.Role",
        "InstitutionStatusEnum": "apps.institutions.models.InstitutionStatus",
        "ClassStatusEnum": "apps.classes.models.ClassStatus",
        "ClassActionEnum": "apps.classes.permissions.ACTIONS",
        "EnrolmentStatusEnum": "apps.trainees.models.EnrolmentStatus",
        "ClaimKindEnum": "apps.claims.models.ClaimKind",
        # POST /claims/ is one body per kind, each with its own `kind` (apps.claims.apis.filing.CLAIM_CREATE).
        "ClassCompletionKindEnum": ["class_completion"],
        "LivingAllowanceKindEnum": ["living_allowance"],
        "WorkForTrainingKindEnum": ["work_for_training"],
        "ApprenticeshipKindEnum": ["apprenticeship"],
        "EnterpriseDirectKindEnum": ["enterprise_direct"],
        "ClaimStatusEnum": "apps.claims.models.ClaimStatus",
        "LineDecisionEnum": "apps.claims.models.LineDecision",
        "ShareEnum": "apps.claims.models.Share",
        "MaterialKindEnum": "apps.claims.models.MaterialKind",
        "JobStatusEnum": "apps.audits.models.RunStatus",
        "FindingStatusEnum": "apps.audits.models.FindingStatus",
        "EntryKindEnum": "apps.ledger.models.EntryKind",
        "RecoveryStatusEnum": "apps.ledger.models.RecoveryStatus",
        "ExportKindEnum": "apps.exports.models.ExportKind",
        "ExportStatusEnum": "apps.exports.models.ExportStatus",
        "DistrictKindEnum": "apps.catalog.models.DistrictKind",
        "InstitutionKindEnum": "apps.institutions.models.InstitutionKind",
    },
    # One error body, the error answers and Idempotency-Key on every operation (apps.core.openapi).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.openapi.postprocess",
    ],
}

# The changes feed (GET /api/v1/events) holds back the newest seconds of the log so that its
# cursor order is final (apps.core.events).
EVENTS_SETTLE_SECONDS = int(os.environ.get("EVENTS_SETTLE_SECONDS", "5"))

# The default cache holds the API throttles' counters: Redis when CACHE_URL is set (production,
# `make test`), so that every process counts together; this process's memory otherwise.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery. CELERY_BROKER_URL unset: tasks run eagerly in-process (the zero-setup default).
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Our longest task is a city-wide audit chunk or a 1,000,000-row export: minutes, not hours.
# The soft limit lets a task clean up; the hard limit kills a stuck worker child.
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
# Tasks are written to be idempotent (they take ids and upsert), so a message is
# acknowledged only after the task finishes and is redelivered if the worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged message after the visibility timeout. It must exceed
# the longest task (hard limit 30 min) or a still-running task would be delivered twice;
# one hour leaves margin while a message lost with a dead worker still returns within the hour.
# CELERY_VISIBILITY_TIMEOUT (seconds) shortens it only where a test kills a worker on purpose.
# https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}
# Batch audits (apps.audits): every night, an audit of every open claim in the city.
CELERY_BEAT_SCHEDULE["audits-nightly"] = {
    "task": "audits.nightly",
    "schedule": crontab(hour=1, minute=30),
}
# How many claim lines one audit task handles; smaller slices spread a run over more workers
# (tests shrink it to get several slices out of a handful of lines).
AUDIT_CHUNK_LINES = int(os.environ.get("AUDIT_CHUNK_LINES", "50000"))

# Personal data never reaches logs; logs go to stderr for the process manager to collect.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# E-mail copies of notices (apps.notices), sent by a task after the decision commits. Unset: the
# console backend (the zero-setup default); production sets DJANGO_EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the EMAIL_* values of its mail server.
# https://docs.djangoproject.com/en/5.2/topics/email/
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "peixun-noreply@localhost")
# The portal's address as users reach it, for the links in e-mails (e.g. https://px.example.cn).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Portal-wide settings.
PAGINATE_BY = 25
# A list counts at most this many rows (its pages stop there, and it says "超过 N 条"), so neither its
# count nor its deepest page costs more on a city-wide table (apps.core.views.Paginator; the
# list APIs' `count` likewise, with `count_capped`). Narrow a list by its filters to reach past it.
LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", "10000"))
# The claim page shows a claim's lines this many at a time (?page=), its totals over them all; a
# class of hundreds renders as fast as one of ten.
CLAIM_LINES_PER_PAGE = int(os.environ.get("CLAIM_LINES_PER_PAGE", "50"))

# Claim materials (R4.3): documents (pdf, jpg, png, xlsx, docx) and training videos (mp4). A
# video of a day's training runs to gigabytes, so it has its own limit; the reverse proxy's
# body limit (e.g. nginx client_max_body_size) must be at least CLAIM_VIDEO_MAX_BYTES.
# https://docs.djangoproject.com/en/5.2/ref/settings/#file-upload-max-memory-size
CLAIM_MATERIAL_MAX_BYTES = int(os.environ.get("CLAIM_MATERIAL_MAX_BYTES", str(20 * 1024 * 1024)))
CLAIM_VIDEO_MAX_BYTES = int(os.environ.get("CLAIM_VIDEO_MAX_BYTES", str(2 * 1024 * 1024 * 1024)))

# Excel exports (apps.exports). A worksheet holds at most 1,048,576 rows, header included, and
# XlsxWriter does not stop at the limit, so an export starts a new sheet when one is full (tests
# lower it). https://support.microsoft.com/office/1672b34d-7043-467e-8e27-269d656771c3
EXPORT_SHEET_ROW_LIMIT = int(os.environ.get("EXPORT_SHEET_ROW_LIMIT", "1048576"))
# An export of at most this many rows is written in the request and downloaded at once (5,000
# rows take about a second); a larger one runs as a Celery task behind a progress bar.
EXPORT_SMALL_ROWS = int(os.environ.get("EXPORT_SMALL_ROWS", "5000"))
# How long a finished export can be downloaded; afterwards its link answers 404 and the hourly
# purge below deletes the file (the log row stays).
EXPORT_LINK_LIFETIME = timedelta(hours=int(os.environ.get("EXPORT_LINK_HOURS", "24")))
# Finished workbooks go to the default storage (media/, a volume shared by web and workers in
# docker-compose.yml) unless this names another directory that both can reach.
EXPORT_STORAGE_ROOT = os.environ.get("EXPORT_STORAGE_ROOT", "")
CELERY_BEAT_SCHEDULE["exports-purge-expired"] = {
    "task": "exports.purge_expired",
    "schedule": timedelta(hours=1),
}
# API idempotency keys are kept 24 hours (apps.core.idempotency).
CELERY_BEAT_SCHEDULE["core-purge-idempotency-records"] = {
    "task": "core.purge_idempotency_records",
    "schedule": timedelta(hours=1),
}
