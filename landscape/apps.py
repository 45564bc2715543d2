from django.apps import AppConfig


class LandscapeConfig(AppConfig):
    name = "landscape"
    verbose_name = "Landscape"

    def ready(self):
        from .versioning import register_versioned_models

        register_versioned_models()
