"""Production: every difference from base comes from the environment, and a missing one stops start-up."""

import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

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

# --- Images: an S3-compatible bucket when IMAGES_S3_BUCKET is set; else MEDIA_ROOT, served by the app ---
# The keys come as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read from the environment by boto3.
# Give the bucket public read on images/renditions/ only: originals are stored without GPS but not served.
IMAGES_S3_BUCKET = os.environ.get("IMAGES_S3_BUCKET", "").strip()
if IMAGES_S3_BUCKET:
    STORAGES["default"] = {  # noqa: F405
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": IMAGES_S3_BUCKET,
            "endpoint_url": os.environ.get("IMAGES_S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("IMAGES_S3_REGION", "").strip() or None,
            # A CDN or the bucket's public host name, such as images.example.org.
            "custom_domain": os.environ.get("IMAGES_S3_CUSTOM_DOMAIN", "").strip() or None,
            "querystring_auth": False,
            "file_overwrite": True,  # every name is a content hash: the same name is the same bytes
            "object_parameters": {"CacheControl": IMAGE_RENDITION_CACHE_CONTROL},  # noqa: F405
        },
    }
    IMAGES_SERVE_RENDITIONS = False
    # Pages show renditions from the bucket's host: the CSP lets images, and only images, come from it.
    _images_options = STORAGES["default"]["OPTIONS"]  # noqa: F405
    _images_endpoint = urlsplit(_images_options["endpoint_url"] or "")
    if _images_options["custom_domain"]:
        _images_origins = [f"https://{_images_options['custom_domain']}"]
    elif _images_endpoint.netloc:
        _images_origins = [f"{_images_endpoint.scheme}://{_images_endpoint.netloc}"]
    else:
        _images_origins = [f"https://{IMAGES_S3_BUCKET}.s3.amazonaws.com"]
        if _images_options["region_name"]:
            _images_origins.append(
                f"https://{IMAGES_S3_BUCKET}.s3.{_images_options['region_name']}.amazonaws.com"
            )
    SECURE_CSP = {**SECURE_CSP, "img-src": [CSP.SELF, *_images_origins]}  # noqa: F405
