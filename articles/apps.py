from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        # Connect the receivers that keep annotations attached when paragraphs change.
        from . import annotations  # noqa: F401
        from .versioning import register_versioned_models

        register_versioned_models()
