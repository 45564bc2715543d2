from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "landscape"
    verbose_name = "Landscape"

    def ready(self):
        # Connect what a published version holds of the landscape, what keeps mentions on their text, and
        # the live citations the landscape's lists join.
        from . import citations, frontcache, mentions, publication  # noqa: F401
        from .versioning import register_versioned_models

        register_versioned_models()
