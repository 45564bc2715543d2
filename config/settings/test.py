"""Fast, isolated settings for the test suite (SQLite unless DATABASE_URL is set)."""

import atexit
import shutil
import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Uploaded images go to a folder of the test process's own, removed when it ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="baimo-media-"))  # noqa: F405
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Serve static files from the app folders without a collectstatic run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Read API ---------------------------------------------------------------------------------------
# Off for the suite; the rate-limit tests turn it on with the `settings` fixture.
API_RATE_LIMIT = ""

# --- Integrations -----------------------------------------------------------------------------------
# Tasks run at once, in the request that enqueues them (after its commit); the webhook tests run the
# database backend and its worker themselves. Their receivers listen on 127.0.0.1.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
PUBLIC_ORIGIN = "http://testserver"
