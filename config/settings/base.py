"""Settings shared by every environment.

Everything is read from the environment (cookiecutter-django style); `local`, `test` and
`production` only override. Reference: https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
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
INSECURE_SECRET_KEY = "django-insecure-peixun-local-development-only"  # noqa: S105  # nosec B105  # refused by production
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
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.institutions",
    "apps.classes",
    "apps.trainees",
    "apps.claims",
    "apps.audits",
    "apps.inspections",
    "apps.confirmations",
    "apps.insurance",
    "apps.evaluations",
    "apps.scenarios",
    "apps.ledger",
    "apps.exports",
    "apps.notices",
    "apps.publicity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.PasswordChangeRequiredMiddleware",
    "apps.core.idempotency.IdempotencyMiddleware",
    "apps.core.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A third-party reviewer's session ends on the request after the agency's access ends (R7.1).
    "apps.accounts.backends.AccessEndedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: marks the lock-out on the answer (our views already answer it in Chinese: AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
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

# Select and input widgets written in Python, to the byte what Django's templates write
# (apps.core.forms.WidgetRenderer): a list's filter form cost about 3 ms in templates.
FORM_RENDERER = "apps.core.forms.WidgetRenderer"

# DATABASE_URL, e.g. postgres://peixun:secret@db:5432/peixun. Unset: a SQLite file beside
# manage.py, the zero-setup default. https://github.com/jazzband/dj-database-url
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL session settings for the portal's many short queries, on every connection it opens
# (DATABASE_PG_OPTIONS replaces them; DATABASE_JIT=on keeps the JIT compiler). Measured at 1,000,000
# claim lines on 2 cores (docs/benchmarks.md):
# - jit=off: the JIT compiles a query whose estimated cost passes jit_above_cost, and a list's query
#   with a permission or findings EXISTS per kind of row is estimated far above it however few rows
#   it reads: 50–90 ms of compiling for a query that ran in 1 ms.
# - max_parallel_workers_per_gather=0: a parallel plan starts two more processes to answer one
#   query sooner and pays for them in CPU the other requests wait for. At 50 users the exports'
#   and reconciliations' aggregates and the large counts spent 6–8 ms of CPU per request in those
#   processes; without them the load benchmark served about 15 % more requests a second.
# - random_page_cost=1.1: a solid-state disk's cost of an index read (the default 4 is a spinning
#   disk's). With 4 the reconciliation's check of the allocation's entries read all 1,000,000
#   claim lines (410 ms) where the index answers in 40 ms.
PG_OPTIONS = "-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1" + (
    "" if env_bool("DATABASE_JIT", default=False) else " -c jit=off"
)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    PG_OPTIONS = os.environ.get("DATABASE_PG_OPTIONS", PG_OPTIONS)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = PG_OPTIONS
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite cannot enforce UNIQUE ... NULLS NOT DISTINCT (one recognition per occupation and
# level, 专项 included); PostgreSQL does, and the services check it on both.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, loading the session's user with their unread 消息 count in the same
# query (the header's badge on every page costs no query); sessions begun under the plain
# ModelBackend stay valid.
# django-axes' backend comes first: it refuses a locked username + address before any password is
# checked (it authenticates nobody itself).
# SESSION_BACKEND is the one a session is begun with when a view logs a user in without a password
# (registration).
SESSION_BACKEND = "apps.notices.backends.UnreadCountBackend"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    SESSION_BACKEND,
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

# Lock-out (issue 17, item 1), by django-axes (https://django-axes.readthedocs.io/en/latest/4_configuration.html).
# LOGIN_FAILURE_LIMIT failed logins of one username FROM ONE ADDRESS lock that pair for
# LOGIN_LOCKOUT_MINUTES: the real user elsewhere still logs in, so nobody can lock an account
# (the admin's included) from anywhere. A correct password during the lock-out is refused and
# counted, which extends the lock-out (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT, axes' default).
# Usernames are counted lower-cased, and unknown names like real ones.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_WINDOW = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Password spraying (one address trying many usernames) is throttled separately: once an address
# has LOGIN_ADDRESS_FAILURE_LIMIT failures (any usernames) within LOGIN_LOCKOUT_WINDOW, every
# login from it is refused until the oldest of them is older than the window
# (apps.accounts.services.address_failures_recent, counted on axes' AccessFailureLog).
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
# The client's address: REMOTE_ADDR, unless the portal sits behind reverse proxies that set
# X-Forwarded-For: then LOGIN_TRUSTED_PROXIES says how many (e.g. 1 for one nginx) and the address
# is the one the outermost trusted proxy appended (what a client writes there itself is ignored).
# Never set it when clients reach gunicorn directly: they could then choose their address.
LOGIN_TRUSTED_PROXIES = int(os.environ.get("LOGIN_TRUSTED_PROXIES", "0"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_WINDOW
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "apps.accounts.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.backends.client_ip"
# The login page and the token API answer the lock-out themselves, in Chinese (429).
AXES_LOCKOUT_CALLABLE = "apps.accounts.backends.lockout_response"
# The audit, in the Django admin (AXES_ENABLE_ADMIN): every failure (AccessFailureLog: username,
# address, path, time, whether it was locked out), the pairs counting towards a lock-out
# (AccessAttempt: deleting one unlocks it) and every successful login (AccessLog). Passwords are
# never stored (axes masks them in the POST data it keeps).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The login audit (AccessLog, AccessFailureLog) is kept this many days, then purged each night
# with the expired API tokens (accounts.purge_login_records).
LOGIN_AUDIT_KEPT = timedelta(days=int(os.environ.get("LOGIN_AUDIT_DAYS", "365")))
# Axes' own log lines name the username only through its masked parameters (personal data is never logged).
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]

# The claim forms' rows: up to 1,000 rows (apps.claims.forms.row_formset) of up to 10 fields
# each, plus the header. Longer rosters come by Excel upload (apps.claims.imports); a post over
# the cap answers templates/400.html, which says so.
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-number-fields
DATA_UPLOAD_MAX_NUMBER_FIELDS = 12_000
# A form's fields (not its files) are read into memory up to this size, 2.5 MB as Django has it:
# 1,000 claim rows of 10 fields fit. Uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE are
# streamed to a temporary file, not held in memory; each import then refuses a file over its
# own cap (IMPORT_MAX_BYTES below) before reading it. A refusal by Django (too large a form, too
# many fields, a multipart part it cannot read) is a Chinese 400 (apps.core.parsers.upload_refusal).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))

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

# Content-Security-Policy (django-csp 4): the pages carry no inline script or style, and every asset
# is the portal's own, so only 'self' runs (images also as data: URIs). The API's reference pages
# (Swagger UI, Redoc) relax it for themselves only (config/urls.py). A violation is reported to
# /csp-report/ (apps.core.views.csp_report), which logs it without personal data.
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only instead.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "report-uri": "/csp-report/",
    }
}
if env_bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CSP_POLICY
else:
    CONTENT_SECURITY_POLICY = CSP_POLICY
# The report endpoint reads at most this many bytes of a report and takes this many reports a
# minute from one address (more are dropped unread): a page with a violation reports it on every
# view, and the endpoint is open to anyone.
CSP_REPORT_MAX_BYTES = int(os.environ.get("CSP_REPORT_MAX_BYTES", "8192"))
CSP_REPORTS_PER_MINUTE = int(os.environ.get("CSP_REPORTS_PER_MINUTE", "30"))

# The public notice pages (公示, no login) and their objection form, counted per address
# (apps.core.throttling.throttle_pages): requests a minute, objections filed an hour.
PUBLIC_PAGES_PER_MINUTE = int(os.environ.get("PUBLIC_PAGES_PER_MINUTE", "120"))
PUBLIC_OBJECTIONS_PER_HOUR = int(os.environ.get("PUBLIC_OBJECTIONS_PER_HOUR", "10"))

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
        "apps.accounts.backends.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.ListPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, JSON's refusals in Chinese and deep nesting a 400 (apps.core.parsers.JsonParser).
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JsonParser",
        "apps.core.parsers.FormParser",
        "apps.core.parsers.MultiPartParser",
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

# API tokens (`Authorization: Token …`) live this many hours from when they were obtained; then
# they answer 401 and the client obtains a new one. Obtaining a token, or POST
# /api/v1/auth/token/rotate, replaces the previous one; POST /api/v1/auth/token/revoke ends it.
API_TOKEN_LIFETIME = timedelta(hours=int(os.environ.get("API_TOKEN_HOURS", "8")))

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
        "VerdictEnum": "apps.claims.models.Verdict",
        "PreReviewVerdictEnum": "apps.institutions.models.PreReviewVerdict",
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

# Sessions are read from that cache and written through to the database (cached_db): a signed-in
# request's session costs a Redis read, not a query. Without CACHE_URL, the database alone (one
# process's memory would not be seen by the others). Ending sessions goes through Django (logout,
# the password's session hash), which clears both.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if CACHE_URL else "db")

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
#
# A broker that is down must fail a send within seconds (issue 17: a stopped Redis made an audit's
# start wait 19 s, and one that accepts connections but never answers blocks forever): connect and
# read time out after CELERY_BROKER_TIMEOUT seconds (default 3), and a send is tried twice at most.
# A failed send fails its run and tells the user the queue is unavailable (apps.core.tasks.publish).
# Measured with a listener that never answers: 2.4 s with these values, no end without them.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-transport-options
BROKER_TIMEOUT = float(os.environ.get("CELERY_BROKER_TIMEOUT", "3"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": BROKER_TIMEOUT,
    "socket_timeout": BROKER_TIMEOUT,
    # kombu's retries of the connection a send opens (ensure_connection).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}
# Batch audits (apps.audits): every night, an audit of every open claim in the city.
CELERY_BEAT_SCHEDULE["audits-nightly"] = {
    "task": "audits.nightly",
    "schedule": crontab(hour=1, minute=30),
}
# The sweeper (audits.sweep, exports.sweep, trainees.sweep; every TASK_SWEEP_MINUTES): an audit
# run, an export job or an import job `queued` for TASK_QUEUED_RESEND_MINUTES, or `running` with
# no progress for TASK_RUNNING_RESEND_MINUTES (more than the 30-minute hard limit of a task, so a slow task is
# never taken for a lost one), has its work sent again, once; still stuck
# TASK_STUCK_FAIL_MINUTES after that, it fails with the reason, and its scope is free again.
TASK_SWEEP_INTERVAL = timedelta(minutes=int(os.environ.get("TASK_SWEEP_MINUTES", "5")))
TASK_QUEUED_RESEND_AFTER = timedelta(minutes=int(os.environ.get("TASK_QUEUED_RESEND_MINUTES", "10")))
TASK_RUNNING_RESEND_AFTER = timedelta(minutes=int(os.environ.get("TASK_RUNNING_RESEND_MINUTES", "45")))
TASK_STUCK_FAIL_AFTER = timedelta(minutes=int(os.environ.get("TASK_STUCK_FAIL_MINUTES", "60")))
CELERY_BEAT_SCHEDULE["audits-sweep"] = {"task": "audits.sweep", "schedule": TASK_SWEEP_INTERVAL}
CELERY_BEAT_SCHEDULE["exports-sweep"] = {"task": "exports.sweep", "schedule": TASK_SWEEP_INTERVAL}
CELERY_BEAT_SCHEDULE["imports-sweep"] = {"task": "trainees.sweep", "schedule": TASK_SWEEP_INTERVAL}
CELERY_BEAT_SCHEDULE["scenarios-sweep"] = {"task": "scenarios.sweep", "schedule": TASK_SWEEP_INTERVAL}
CELERY_BEAT_SCHEDULE["ledger-reconcile-sweep"] = {
    "task": "ledger.reconcile_sweep",
    "schedule": TASK_SWEEP_INTERVAL,
}
# The reconciliation (R8.5) of every district's current and previous year, after the nightly audit.
CELERY_BEAT_SCHEDULE["ledger-reconcile-nightly"] = {
    "task": "ledger.reconcile_nightly",
    "schedule": crontab(hour=2, minute=30),
}
# Process supervision (apps.inspections): every Monday at 00:30, next week's sample of sessions in
# every district not drawn yet by its officer.
CELERY_BEAT_SCHEDULE["inspections-weekly-draw"] = {
    "task": "inspections.weekly_draw",
    "schedule": crontab(day_of_week="mon", hour=0, minute=30),
}
# How many claim lines one audit task handles; smaller slices spread a run over more workers
# (tests shrink it to get several slices out of a handful of lines).
AUDIT_CHUNK_LINES = int(os.environ.get("AUDIT_CHUNK_LINES", "50000"))
# How many claim lines one task of a what-if replay (apps.scenarios) handles: its progress moves a
# chunk at a time, and the chunks spread over the workers.
SCENARIO_CHUNK_LINES = int(os.environ.get("SCENARIO_CHUNK_LINES", "20000"))

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

# Text messages (短信) to trainees: the one-time confirmation link and code (apps.confirmations,
# apps.core.messaging). Unset: the console backend; production names
# apps.core.messaging.HttpSmsBackend (with the gateway's URL and token) or EmailGatewayBackend.
TEXT_MESSAGE_BACKEND = os.environ.get("TEXT_MESSAGE_BACKEND", "apps.core.messaging.ConsoleBackend")
TEXT_MESSAGE_HTTP_URL = os.environ.get("TEXT_MESSAGE_HTTP_URL", "")
TEXT_MESSAGE_HTTP_TOKEN = os.environ.get("TEXT_MESSAGE_HTTP_TOKEN", "")
TEXT_MESSAGE_EMAIL_TO = os.environ.get("TEXT_MESSAGE_EMAIL_TO", "")
# How long a trainee's confirmation link and code stay valid.
CONFIRMATION_VALID_DAYS = int(os.environ.get("CONFIRMATION_VALID_DAYS", "15"))

# Portal-wide settings.
PAGINATE_BY = 25
# A list counts at most this many rows (its pages stop there, and it says "超过 N 条"), so neither its
# count nor its deepest page costs more on a city-wide table (apps.core.views.Paginator; the
# list APIs' `count` likewise, with `count_capped`). Narrow a list by its filters to reach past it.
LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", "10000"))
# The claim page shows a claim's lines this many at a time (?page=), its totals over them all; a
# class of hundreds renders as fast as one of ten.
CLAIM_LINES_PER_PAGE = int(os.environ.get("CLAIM_LINES_PER_PAGE", "50"))

# Spreadsheet imports (apps.core.uploads; issue 17). Each kind has a byte cap and a row cap (the
# header not counted), stated on its form; a file over either is refused before it is read. The
# caps are settings, each overridable from the environment as IMPORT_MAX_BYTES_<KIND> (bytes) and
# IMPORT_MAX_ROWS_<KIND>. A roster is one class (at most 10,000 planned trainees), a claim roster
# one claim (the largest employers file a few thousand workers), a sign-in sheet or an online
# export is a class's sessions × trainees (benchmarks/attendance_import.py reads 100,000 rows).
_IMPORT_CAPS = {
    # kind: (MB, rows)
    "roster": (5, 10_000),
    "sign_in_sheet": (20, 100_000),
    "online_attendance": (20, 100_000),
    "results": (5, 10_000),
    "occupations": (5, 5_000),
    "claims": (5, 5_000),
    # A district's monthly social-insurance roster of the enterprises it checks (apps.insurance);
    # a larger export is imported a month or a few enterprises at a time.
    "insurance": (20, 200_000),
}
IMPORT_MAX_BYTES = {
    kind: int(os.environ.get(f"IMPORT_MAX_BYTES_{kind.upper()}", str(mb * 1024 * 1024)))
    for kind, (mb, _) in _IMPORT_CAPS.items()
}
IMPORT_MAX_ROWS = {
    kind: int(os.environ.get(f"IMPORT_MAX_ROWS_{kind.upper()}", str(rows)))
    for kind, (_, rows) in _IMPORT_CAPS.items()
}
# An .xlsx is a zip: before openpyxl parses it, its members as declared are at most this many,
# inflate to at most this much in all (a 100,000-row sheet is about 30 MB of XML), and each part
# openpyxl reads whole (shared strings, styles; everything but a worksheet, which is streamed) to
# at most IMPORT_XLSX_MAX_PART_BYTES. A 1.57 MB zip bomb that inflates to 1.5 GB is refused here.
IMPORT_XLSX_MAX_MEMBERS = int(os.environ.get("IMPORT_XLSX_MAX_MEMBERS", "200"))
IMPORT_XLSX_MAX_EXPANDED_BYTES = int(os.environ.get("IMPORT_XLSX_MAX_EXPANDED_BYTES", str(100 * 1024 * 1024)))
IMPORT_XLSX_MAX_PART_BYTES = int(os.environ.get("IMPORT_XLSX_MAX_PART_BYTES", str(10 * 1024 * 1024)))

# An upload into a class (roster, sign-in sheet, online export, results) of more data rows than
# this is imported by a Celery task behind a progress bar (apps.trainees.services.jobs), so that
# no web worker is held for long; smaller ones are imported in the request. The file waits for
# its task in IMPORT_STORAGE_ROOT when set (a directory web and workers share), else in the
# default storage (media/, never served by the portal), and is deleted once read.
IMPORT_ASYNC_ROWS = int(os.environ.get("IMPORT_ASYNC_ROWS", "2000"))
IMPORT_STORAGE_ROOT = os.environ.get("IMPORT_STORAGE_ROOT", "")

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
CELERY_BEAT_SCHEDULE["accounts-purge-login-records"] = {
    "task": "accounts.purge_login_records",
    "schedule": crontab(hour=2, minute=15),
}
# API idempotency keys are kept 24 hours (apps.core.idempotency).
CELERY_BEAT_SCHEDULE["core-purge-idempotency-records"] = {
    "task": "core.purge_idempotency_records",
    "schedule": timedelta(hours=1),
}
