"""Django settings for QDM, read from the environment (12-factor, healthchecks style).

Environment:
- ``QDM_DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/qdm``; default is an
  SQLite file ``var/qdm.sqlite3`` (WAL mode, busy timeout, IMMEDIATE transactions).
- ``QDM_SECRET_KEY`` (or ``QDM_SECRET_KEY_FILE``), ``QDM_DEBUG``, ``QDM_ALLOWED_HOSTS``.
- ``QDM_TASKS_BACKEND``: ``database`` (default, run ``qdm db_worker``) or ``immediate``.
- ``QDM_EMAIL_URL``-like settings: ``QDM_EMAIL_HOST``, ``QDM_EMAIL_PORT``, ``QDM_EMAIL_FROM``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("QDM_HOME", BASE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("QDM_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    """Value of ``name`` or of the file named by ``name_FILE`` (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("QDM_DEBUG", False)
TESTING = env_bool("QDM_TESTING", False) or "pytest" in sys.modules
SECRET_KEY = env_str("QDM_SECRET_KEY") or (
    # A fixed key is acceptable only for local development and tests.
    "qdm-insecure-development-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env_list("QDM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("QDM_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "auditlog",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "qdm.core",
    "qdm.data",
    "qdm.system",
    "qdm.supplier",
    "qdm.manufacturing",
    "qdm.service",
    "qdm.design",
    "qdm.carbon",
    "qdm.cockpit",
]

MIDDLEWARE = [
    "qdm.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qdm.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qdm.core.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qdm.core.middleware.ExternalLandingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qdm.urls"
WSGI_APPLICATION = "qdm.wsgi.application"
ASGI_APPLICATION = "qdm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qdm.core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
_sqlite_default = f"sqlite:///{VAR_DIR / 'qdm.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("QDM_DATABASE_URL", _sqlite_default))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on the busy timeout instead of failing on a lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security ----------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "qdm.core.auth.GrantBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cockpit:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = int(os.environ.get("QDM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10  # one working shift and a bit
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and env_bool("QDM_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
# Everything is served from our own origin: assets come from npm into static/vendor.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("QDM_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
QDM_ATTACHMENT_MAX_BYTES = int(os.environ.get("QDM_ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Audit ----------------------------------------------------------------------------
AUDITLOG_LOGENTRY_MODEL = "core.AuditLogEntry"
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "sessions",
    "contenttypes",
    "admin",
    "axes",
    "django_tasks_database",
    "authtoken",
    "core.auditlogentry",
    "core.domainevent",
    "core.chainhead",
    "core.numbersequence",
    "core.electronicsignature",
    "core.notificationdelivery",
    # high-volume facts: written in bulk, never audited row by row (DESIGN §6)
    "data.flashtest",
    "data.elresult",
    "data.cellsortresult",
    "data.measurement",
    "data.unit",
    "data.unitlink",
    "data.quarantinedrow",
    "manufacturing.modulerelease",
    "manufacturing.inspectionrecord",
    "cockpit.kpivalue",  # materialised by `qdm kpis compute`, replaced wholesale
)
AUDITLOG_EXCLUDE_TRACKING_FIELDS = (
    "password",
    "last_login",
    # a gate review's signed snapshot of its deliverables is immutable and may name records
    # of other sites (an SPC chart); its page masks them per viewer, the History tab cannot
    "deliverables",
)
AUDITLOG_CID_GETTER = "qdm.core.middleware.get_request_id"
# auditlog's own LogEntry is swapped for ours; without this its migrations would still create
# an unused auditlog_logentry table whose foreign keys block TRUNCATE on PostgreSQL.
MIGRATION_MODULES = {"auditlog": None}

# --- Background tasks -----------------------------------------------------------------
_tasks_backend = os.environ.get("QDM_TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if _tasks_backend == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# --- E-mail and notifications ---------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "QDM_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("QDM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("QDM_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("QDM_EMAIL_FROM", "qdm@localhost")
QDM_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("QDM_NOTIFY_MAX_ATTEMPTS", "5"))
QDM_NOTIFY_RETRY_SECONDS = int(os.environ.get("QDM_NOTIFY_RETRY_SECONDS", "60"))
QDM_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("QDM_WEBHOOK_TIMEOUT_SECONDS", "10"))
QDM_BASE_URL = os.environ.get("QDM_BASE_URL", "http://127.0.0.1:8000")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes anonymous requests a proper 401
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["qdm.core.api.permissions.GrantPermission"],
    "DEFAULT_PAGINATION_CLASS": "qdm.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "qdm.core.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QDM API",
    "DESCRIPTION": "Quality digital management: one API for every platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # choice sets shared by several fields or apps get one stable name each
    "ENUM_NAME_OVERRIDES": {
        "ProcessStageEnum": "qdm.core.choices.ProcessStage",
        "ActionPriorityEnum": "qdm.design.choices.ActionPriority",
        "AlertKindEnum": "qdm.cockpit.models_alerts.AlertKind",
        "ApprovalStatusEnum": "qdm.supplier.choices.ApprovalStatus",
        "CapaKindEnum": "qdm.system.choices.CapaKind",
        "ElGradeEnum": "qdm.data.choices.ElGrade",
        "FootprintMethodEnum": "qdm.carbon.choices.FootprintMethod",
        "GateDecisionEnum": "qdm.design.models.apqp.GateDecision",
        "SeverityEnum": "qdm.system.choices.Severity",
        "SupplierGradeEnum": "qdm.supplier.choices.Grade",
        "SwitchingSeverityEnum": "qdm.supplier.choices.SwitchingSeverity",
        "SystemActionStatusEnum": "qdm.system.choices.ActionStatus",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QDM_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django.tasks": {"level": "WARNING"}},
}

QDM_PLATFORM_TITLE = _("Quality Digital Management")

# Lockout is per user name on purpose: a whole factory shift often shares one NAT address,
# so locking by IP would lock out every operator at once.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

if TESTING:
    # Fast hashing in tests (Argon2 stays configured and is tested on its own); tasks run
    # immediately; mail goes to the test outbox.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
    TASKS["default"]["BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    QDM_NOTIFY_RETRY_SECONDS = 0
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default, opted in early
