"""Production: every difference from base comes from the environment, and a missing one stops start-up."""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def require_env(name: str) -> str:
    """Return an environment variable or refuse to start without it."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required in production.")
    return value


SECRET_KEY = require_env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in require_env("ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]
DATABASES = {
    # The health check finds a connection the database dropped, so the app recovers without a restart.
    "default": with_postgresql_timeouts(  # noqa: F405
        dj_database_url.parse(
            require_env("DATABASE_URL"),
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    )
}
# Seconds a Redis call may take to connect or answer before it counts as unavailable.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
CACHES = {
    "default": {
        # While Redis is down every cache call is a miss, so pages and the API keep answering.
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": require_env("REDIS_URL"),
        "KEY_PREFIX": "baimo",
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
}
# Sessions live in the database alone, so editors can log in while Redis is down. (With cached_db and
# a cache that drops writes during an outage, a session deleted at log-out could come back from Redis.)
SESSION_ENGINE = "django.contrib.sessions.backends.db"

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HSTS: browsers use only https:// for a year (what the HTTP Observatory's A+ asks for). Subdomains and
# the browsers' preload list reach beyond this site and are hard to undo, so each is opted into.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false").lower() == "true"
SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD", "false").lower() == "true"
SECURE_CONTENT_TYPE_NOSNIFF = True
