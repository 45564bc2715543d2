from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "landscape"
    verbose_name = "Landscape"

    def ready(self):
        # Connect what a published version holds of the landscape, and what keeps mentions on their text.
        from . import mentions, publication  # noqa: F401
        from .versioning import register_versioned_models

        register_versioned_models()
