"""Settings shared by every environment; the others only override what differs."""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from core.headers import add_static_file_headers

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
    "core",
    "exchange",
    "images",
    "articles",
    "landscape",
    "search",
    "reader",
]

MIDDLEWARE = [
    # First, so it sees the response last: only a tagged, cookie-free public answer is made shareable.
    "core.frontcache.FrontCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for the read API (settings below): before anything that may answer, as django-cors-headers asks.
    "core.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.admin_language.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reader.preferences.ScriptVariantMiddleware",
    # Answers 503 instead of 500 when a view finds the database unreachable; see core/outages.py.
    "core.outages.DatabaseUnavailableMiddleware",
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
                "reader.preferences.reading_context",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# --- Images (images/) ---------------------------------------------------------------------------------
# Uploaded images and their renditions: a local folder by default, an S3-compatible bucket in production
# when IMAGES_S3_BUCKET is set (prod.py). Only renditions are ever served (images/views.py, or the bucket).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Files over either limit are refused on upload with a message; Pillow's decompression-bomb guard is set
# to the same pixel count (images/apps.py).
IMAGE_MAX_BYTES = 20 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
# How long browsers and caches keep a rendition: its name changes whenever its pixels do.
IMAGE_RENDITION_CACHE_CONTROL = "public, max-age=31536000, immutable"
# The app serves renditions (never originals) from MEDIA_ROOT under MEDIA_URL; off when a bucket does.
IMAGES_SERVE_RENDITIONS = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Raw articles larger than this are refused by ingest: real articles are a few tens of kilobytes.
INGEST_MAX_BYTES = 1_000_000

# Article pages and API documents are rendered once per live version and reader's choice and served from
# the database (reader/rendered.py). Off, every request renders afresh, as previews always do.
READER_STORED_RENDERS = True

# --- Imports (the admin's Import buttons; exchange/, articles/resources.py) ------------------------------
# Files past these limits are refused on the import form before they are parsed, so an import always
# finishes well inside a worker's timeout (the whole seed landscape is a few hundred rows, ~100 kB).
IMPORTS_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMPORTS_MAX_XLSX_EXPANDED_BYTES = 50 * 1024 * 1024  # what an XLSX (a zip) may unpack to
IMPORTS_MAX_ROWS = 1_000
# A previewed file waits for its confirm in the database, which every app process shares; unconfirmed
# ones older than this are deleted by the next import and by `manage.py purge_pending_imports`.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "exchange.storage.DatabaseStorage"
IMPORTS_PENDING_MAX_AGE = 24 * 60 * 60  # seconds

# --- Read API (/api/v1/) ---------------------------------------------------------------------------
# HEAD, rate-limit headers, ETag/Last-Modified and problem details for every path under this prefix
# (core/middleware.py); the operations' rate limit is django-ninja's throttle (config/api.py).
MIDDLEWARE += ["core.middleware.ApiMiddleware"]
# As an app, django-ninja serves the interactive docs' Swagger UI from our static files, not a CDN.
# django-cors-headers, as an app, checks the CORS_* settings at start-up.
INSTALLED_APPS += ["ninja", "corsheaders"]
API_PATH_PREFIX = "/api/"
# Any origin may read the API, and nothing else: no credentials, read-only methods (also the Allow
# header), the request headers the API reads (a preflight may add others, core.middleware), and the
# response headers scripts may see.
CORS_URLS_REGEX = rf"^{re.escape(API_PATH_PREFIX)}"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["Accept", "Accept-Language", "Cache-Control", "If-Modified-Since", "If-None-Match"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
CORS_PREFLIGHT_MAX_AGE = 86400  # seconds a browser may reuse a preflight's answer
# The front cache the app bans from when content changes (core/frontcache.py, deploy/varnish/baimo.vcl):
# Varnish's addresses, comma-separated; empty, no front cache. S_MAXAGE bounds how long it keeps a page.
FRONT_CACHE = {
    "URLS": [url.strip() for url in os.environ.get("FRONT_CACHE_URLS", "").split(",") if url.strip()],
    "S_MAXAGE": int(os.environ.get("FRONT_CACHE_S_MAXAGE", "300")),
    "TIMEOUT": float(os.environ.get("FRONT_CACHE_TIMEOUT", "0.5")),
}
API_CACHE_MAX_AGE = 60  # seconds, in Cache-Control: public, max-age=…
# The longest an editor may let a share link for an outside reviewer work, and the default offered.
PREVIEW_LINK_MAX_HOURS = 14 * 24
PREVIEW_LINK_DEFAULT_HOURS = 72
# Requests per window for anonymous clients, e.g. "60/minute", "1000/hour"; empty turns limiting off.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60/minute")
API_RATE_LIMIT_CACHE = "default"
# How many proxies in front of the app append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
API_TRUSTED_PROXY_COUNT = int(os.environ.get("API_TRUSTED_PROXY_COUNT", "0"))
# How long the cache remembers when each URL's current body was first served (for Last-Modified);
# a URL it forgot simply counts as modified now. Short, so random query strings do not pile up.
API_VALIDATOR_TTL = 86400

# --- Security headers, redirects and login throttling (core/headers.py, core/security.py) -----------
# Mozilla HTTP Observatory grade A+ on every public page: a strict CSP without 'unsafe-inline', so no
# template may carry an inline <script> or <style> or a style="" attribute (data blocks such as JSON-LD
# are not scripts). CSP.NONCE is there for the rare inline element that must exist: give it
# nonce="{{ csp_nonce }}" and the nonce appears in that response's header, and only there.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The API docs (Swagger UI, from our static files) draw their icons from data: URIs: that page alone
# may, through NinjaAPI's docs_decorator in config/api.py.
SECURE_CSP_API_DOCS = {**SECURE_CSP, "img-src": [CSP.SELF, "data:"]}
# Outside everything but SecurityMiddleware and WhiteNoise, so that answers other middleware make
# (a 429, a CSRF failure, a 503) carry the headers too. Static files get theirs from WhiteNoise below.
_AFTER_WHITENOISE = MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
MIDDLEWARE[_AFTER_WHITENOISE:_AFTER_WHITENOISE] = [
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.headers.PermissionsPolicyMiddleware",
    "core.security.MalformedRequestMiddleware",
]
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_file_headers
TEMPLATES[0]["OPTIONS"]["context_processors"] += ["django.template.context_processors.csp"]
# No page uses any of these browser features; "()" allows them to no origin, embedded frames included.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS is set in prod.py (one year by default); a development server on http:// must not send it.

# Failed logins are throttled by django-axes, per user name *and* IP address together, so an attacker
# locks out only their own guesses, never an editor signing in from elsewhere. Attempts are kept in the
# database, which every app process shares (the cache would lose them in a Redis outage).
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any password check
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes asks
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
# The client's address as the API's rate limit reads it: X-Forwarded-For only as far as
# API_TRUSTED_PROXY_COUNT proxies, so a client cannot pick an address to dodge the lockout.
AXES_CLIENT_IP_CALLABLE = "core.security.login_client_address"
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
# Unlocking is an operator's job (`manage.py axes_reset_username <name>`), not an admin page's.
AXES_ENABLE_ADMIN = False

# --- Integrators: the change feed and webhooks (integrations/) ----------------------------------------------
# Background work runs on Django's tasks framework with the database backend (django-tasks-db): a task is a
# row written in the same transaction as what made it, run by `manage.py db_worker` (`make run` starts one).
INSTALLED_APPS += ["django_tasks_db", "integrations"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The origin of the addresses webhook payloads carry, built outside any request.
PUBLIC_ORIGIN = os.environ.get("PUBLIC_ORIGIN", "http://127.0.0.1:8000")
# Off in production: a webhook to a loopback, private or reserved address is refused (request forgery).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = os.environ.get("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", "false") == "true"
# Seconds before each further attempt of a failed delivery: seven attempts over about a day.
WEBHOOK_RETRY_DELAYS = [30, 120, 600, 1800, 7200, 21600]
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))
# API keys (integrations/keys.py): a key names its client, which is counted on this larger allowance.
MIDDLEWARE.insert(MIDDLEWARE.index("core.middleware.ApiMiddleware") + 1, "integrations.keys.ApiKeyMiddleware")
API_KEY_RATE_LIMIT = os.environ.get("API_KEY_RATE_LIMIT", "1000/minute")
CORS_ALLOW_HEADERS += ["Authorization", "X-API-Key"]
