"""Production settings come only from the environment and refuse to start without what they need."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-for-the-test",
    "DATABASE_URL": "postgres://baimo:secret@db.internal:5432/baimo",
    "ALLOWED_HOSTS": "baimo.example,www.baimo.example",
    "REDIS_URL": "redis://cache.internal:6379/0",
}
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
    "s.STORAGES['staticfiles']['BACKEND'], "
    "s.MIDDLEWARE[s.MIDDLEWARE.index('django.middleware.security.SecurityMiddleware') + 1])"
)


def run_with(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.prod")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_reads_everything_from_the_environment():
    result = run_with(PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 1)[0] == "False"
    assert "'baimo.example', 'www.baimo.example'" in result.stdout
    assert "django.db.backends.postgresql" in result.stdout
    assert "RedisCache" in result.stdout
    assert "CompressedManifestStaticFilesStorage" in result.stdout
    # WhiteNoise sits directly after SecurityMiddleware.
    assert result.stdout.strip().endswith("whitenoise.middleware.WhiteNoiseMiddleware")


@pytest.mark.parametrize("missing", sorted(PROD_ENV))
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run_with(env)
    assert result.returncode != 0
    assert f"The environment variable {missing} is required in production." in result.stderr
