"""Settings for Sync Portal, read from the environment with django-environ.

Every value has a safe default for the demo (SQLite, ORM broker, DEBUG on);
production sets DATABASE_URL, SECRET_KEY, DEBUG=off and ALLOWED_HOSTS.
"""

import datetime as dt
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    FIELD_ENCRYPTION_KEYS=(list, []),
    TRANSFER_MAX_TRIES=(int, 8),
    TRANSFER_SENDING_TIMEOUT=(int, 600),
    TRANSFER_BACKOFF_BASE=(float, 30.0),
    TRANSFER_BACKOFF_CAP=(float, 3600.0),
    CYCLE_LEASE_SECONDS=(int, 90),
    Q_WORKERS=(int, 4),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# Refusing to start without a real key when DEBUG is off: a guessable key would
# let anyone forge sessions and derive the credential-encryption key.
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
else:
    SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

# Production (DEBUG off) is served over HTTPS only: secure cookies, HSTS, a redirect from http.
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy
# must set X-Forwarded-Proto itself). Health probes may come over plain http from the balancer.
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.str("SECURE_PROXY_SSL_HEADER", default=""):
        SECURE_PROXY_SSL_HEADER = (env.str("SECURE_PROXY_SSL_HEADER"), "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): the portal's pages load scripts, styles, images and fonts
# from the portal only, run no inline script and are framed by no one. Django's admin sets a few
# inline style attributes, so styles allow them; scripts never. The API docs page (Swagger UI)
# starts itself with an inline script and is exempt (sync_portal/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "csp",
    "health_check",
    "sync_portal",
    "customers",
    "inventory",
    "orders",
    "documents",
    "fulfilment",
    "connectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, Swagger UI) served by the application itself, compressed and cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sync_portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as its documentation asks: it answers a locked-out login with 429.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): AXES_FAILURE_LIMIT failed logins from one address lock further tries
# from it for AXES_COOLOFF_MINUTES; a success resets the count. Behind a proxy the client address is
# what REMOTE_ADDR says: configure the proxy (or AXES_IPWARE_*) so it is the client's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

ROOT_URLCONF = "sync_portal.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "sync_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# WAL lets the web server read while a worker writes; IMMEDIATE takes the
# write lock at BEGIN so two writers queue on the busy timeout instead of
# failing with "database is locked" halfway through a transaction.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests use a file, not shared-cache memory: with WAL and the busy timeout
    # concurrent workers behave as in production instead of "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
# Persistent connections: django-q2's ORM broker calls close_old_connections()
# on every enqueue, which with CONN_MAX_AGE=0 reconnects (and re-runs the
# SQLite PRAGMAs) each time.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
# A health check is a SELECT 1 before every request's (and every task's) first query. The web
# server keeps it; the workers do without it (a dozen statements per order): a connection lost
# under a task fails that task, whose transfer is retried from the portal's own table, and
# Django drops the broken connection before the next task.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", "qcluster" not in sys.argv[1:2])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Mail (invoices, packing slips, credit notes to buyers): any django-environ e-mail URL,
# e.g. smtp+tls://user:password@smtp.example.com:587. In development the mails are
# written as files to var/mail/ so nothing leaves the machine.
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default=f"filemail://{BASE_DIR / 'var' / 'mail'}" if DEBUG else "smtp://localhost:25"
)
if "EMAIL_FILE_PATH" in EMAIL_CONFIG and not str(EMAIL_CONFIG["EMAIL_FILE_PATH"]).startswith("/"):
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = "/" + EMAIL_CONFIG["EMAIL_FILE_PATH"]  # environ drops the root's slash
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sync-portal@localhost")
# The portal's address as the shops reach it (webhooks are registered at <PORTAL_URL>/hooks/...);
# empty: the address the admin was opened at.
PORTAL_URL = env("PORTAL_URL", default="")

# The portal's own language: people choose theirs in the header; what workers write down (errors,
# hints, e-mails to buyers without a language) is in this one. Set it to the team's language.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("nb", "Norsk bokmål"), ("sv", "Svenska"), ("pl", "Polski"), ("hu", "Magyar")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production serves hashed, compressed files collected by `manage.py collectstatic`; development
# serves them from the apps as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Credentials at rest: a list of Fernet keys, newest first (MultiFernet), so a
# key can be rotated without losing the ability to read old rows. Without one,
# a key is derived from SECRET_KEY (fine for the demo, documented in README).
FIELD_ENCRYPTION_KEYS = env("FIELD_ENCRYPTION_KEYS")

# --- Transfers (DESIGN.md "Transfers") ---
TRANSFER_MAX_TRIES = env("TRANSFER_MAX_TRIES")
TRANSFER_BACKOFF_BASE = env("TRANSFER_BACKOFF_BASE")  # seconds before the first retry
TRANSFER_BACKOFF_CAP = env("TRANSFER_BACKOFF_CAP")  # never wait more than an hour between tries
# A transfer left in "sending" longer than this is treated as "outcome unknown".
TRANSFER_SENDING_TIMEOUT = env("TRANSFER_SENDING_TIMEOUT")
# One sync cycle per connection at a time: the running cycle renews a lease this long,
# so a worker killed mid-cycle delays the next cycle by at most this.
CYCLE_LEASE_SECONDS = env("CYCLE_LEASE_SECONDS")
# How long a worker remembers that an ERP item exists (saves a lookup per order line).
ITEM_CACHE_SECONDS = 300
TRANSFER_TICK_BATCH = 500  # transfers enqueued per tick at most
# A transfer put off by no more than this (a rate limit's Retry-After) is sent again by the worker
# that had it, not a minute later by the tick.
TRANSFER_SOON_SECONDS = 10
# An ERP that tells which items' stock moved is read for those only; every this many hours every
# item is read again (a reconcile catching what no stock document showed).
STOCK_FULL_READ_HOURS = 24

# --- django-q2 ---
# The ORM broker commits with the order row, so an enqueued task is never
# lost with a rolled-back transaction. "retry" must exceed "timeout", or the
# broker re-delivers a task that is still running (checked at start-up).
REDIS_URL = env("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "sync_portal",
    "workers": env("Q_WORKERS"),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 1,
    "catch_up": False,
    "orm": "default",
    # Successful tasks are not kept (-1): every transfer and sync run keeps its own record, and
    # storing each task cost five statements. Failed tasks are kept.
    "save_limit": -1,
    "ack_failures": True,
    "poll": 1,
}
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

# Schedules the portal installs (management command `install_schedules`).
# Names are unique: the queue check refuses duplicates.
SYNC_SCHEDULES = [
    {
        "name": "sync-portal-tick",
        "func": "connectors.tasks.tick",
        "minutes": 1,
    },
    # django-q2 runs schedules at most every minute, looking every 30 s: a second schedule half a
    # minute after the tick reads due orders twice a minute (Connection.order_interval).
    {
        "name": "sync-portal-orders",
        "func": "connectors.tasks.poll_orders",
        "minutes": 1,
        "offset_seconds": 30,
    },
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sync_portal.api.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sync_portal.api.ViewModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "sync_portal.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sync Portal API",
    "DESCRIPTION": "Sync status of orders, transfers, runs, connections and customer conflicts. "
    "Authenticate with 'Authorization: Api-Key <key>' (keys are created in the admin).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs describe the API, they hold no data: anyone may read them.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "state": each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "TransferStateEnum": "connectors.models.TransferState",
        "OrderStateEnum": "orders.models.OrderState",
        "InvoiceStateEnum": "documents.models.InvoiceState",
        "AuthStateEnum": "connectors.models.AuthState",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {"format": "[{server_time}] {message}", "style": "{", "()": "django.utils.log.ServerFormatter"},
    },
    "filters": {"url_secrets": {"()": "sync_portal.logfilters.MaskUrlSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["url_secrets"]},
        # The development server's and gunicorn's access lines print request paths: webhook secrets masked.
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["url_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint and fontTools narrate every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
