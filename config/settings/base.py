"""Settings shared by every environment; the others only override what differs."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "import_export",
    "reversion",
    "articles",
    "landscape",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "articles.reading.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.reading.ScriptVariantMiddleware",
    # Answers 503 instead of 500 when a view finds the database unreachable; see config/outages.py.
    "config.outages.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "articles.reading.reading_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database that stops answering must fail a request in seconds, not hold its worker forever: libpq's
# connect_timeout (whole seconds, at least 2) bounds connecting, statement_timeout (milliseconds) each
# statement. 0 turns either off.
DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
DB_STATEMENT_TIMEOUT = int(os.environ.get("DB_STATEMENT_TIMEOUT", "5000"))
# Seconds a reader or client is told to wait (Retry-After) when the database cannot answer.
DB_UNAVAILABLE_RETRY_AFTER = 30


def with_postgresql_timeouts(database: dict) -> dict:
    """Return a DATABASES entry with the connect and statement timeouts when it is PostgreSQL."""
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return database
    options = dict(database.get("OPTIONS", {}))
    options["connect_timeout"] = DB_CONNECT_TIMEOUT
    # Appended, so a DATABASE_URL's own ?options= survive and the environment's timeout wins.
    options["options"] = f"{options.get('options', '')} -c statement_timeout={DB_STATEMENT_TIMEOUT}".strip()
    return {**database, "OPTIONS": options}


DATABASES["default"] = with_postgresql_timeouts(DATABASES["default"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hant"
# The admin's own screens, model names and choices are written in English; see AdminLanguageMiddleware.
ADMIN_LANGUAGE_CODE = "en"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Raw articles larger than this are refused by ingest: real articles are a few tens of kilobytes.
INGEST_MAX_BYTES = 1_000_000

# --- Read API (/api/v1/) ---------------------------------------------------------------------------
# CORS, HEAD, rate limits, ETag/Last-Modified and problem details for every path under this prefix.
MIDDLEWARE += ["config.middleware.ApiMiddleware"]
# As an app, django-ninja serves the interactive docs' Swagger UI from our static files, not a CDN.
INSTALLED_APPS += ["ninja"]
API_PATH_PREFIX = "/api/"
API_CACHE_MAX_AGE = 60  # seconds, in Cache-Control: public, max-age=…
# Requests per window for anonymous clients, e.g. "60/minute", "1000/hour"; empty turns limiting off.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60/minute")
API_RATE_LIMIT_CACHE = "default"
# How many proxies in front of the app append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
API_TRUSTED_PROXY_COUNT = int(os.environ.get("API_TRUSTED_PROXY_COUNT", "0"))
# How long the cache remembers when each URL's current body was first served (for Last-Modified);
# a URL it forgot simply counts as modified now. Short, so random query strings do not pile up.
API_VALIDATOR_TTL = 86400
