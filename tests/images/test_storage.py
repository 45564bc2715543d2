"""Where images are stored: the local media folder unless production names a bucket."""

import subprocess
import sys

from django.conf import settings

from tests.config.test_settings import PROD_ENV, ROOT

PRINT_STORAGE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "o = s.STORAGES['default'].get('OPTIONS', {}); "
    "print(s.STORAGES['default']['BACKEND'], s.IMAGES_SERVE_RENDITIONS, o.get('bucket_name'), "
    "o.get('endpoint_url'), o.get('object_parameters'), [str(x) for x in s.SECURE_CSP.get('img-src', [])])"
)


def production(**env) -> str:
    clean = {"PATH": "/usr/bin:/bin", **PROD_ENV, **env, "DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_STORAGE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_production_without_a_bucket_keeps_the_local_folder_and_serves_renditions():
    shown = production()
    assert shown.startswith("django.core.files.storage.FileSystemStorage True None")


def test_production_with_a_bucket_stores_there_and_lets_pages_show_its_images():
    shown = production(IMAGES_S3_BUCKET="baimo-images", IMAGES_S3_ENDPOINT_URL="https://s3.example.net")
    assert shown.startswith("storages.backends.s3.S3Storage False baimo-images https://s3.example.net")
    assert "public, max-age=31536000, immutable" in shown
    assert shown.strip().endswith("[\"'self'\", 'https://s3.example.net']")


def test_the_test_run_has_a_media_folder_of_its_own():
    assert not settings.MEDIA_ROOT.is_relative_to(ROOT)
