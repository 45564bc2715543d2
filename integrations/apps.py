from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        # Connect what records a public change when articles and the landscape change.
        from . import signals  # noqa: F401
