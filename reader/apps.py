from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "reader"
    verbose_name = "Reader"

    def ready(self):
        # Connect what renders a version when it goes live and counts the changes its stored renders read.
        from . import signals  # noqa: F401
