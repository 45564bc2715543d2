from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Images"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import signals  # noqa: F401  (sends image_changed)
        from .versioning import register_versioned_models

        # Pillow's decompression-bomb guard holds at the library's own limit (images/validation.py).
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
        register_versioned_models()
