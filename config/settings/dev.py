"""Local development on SQLite with the seed content."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Serve static files from the app folders without a collectstatic run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# `make run` creates a local editor account and prints its password; never in production.
BAIMO_DEV_EDITOR = True

# Webhooks to a receiver on this machine are allowed in development.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
