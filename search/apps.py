from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def build_empty_index(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    from .services import search_build_empty_index

    search_build_empty_index(using=using)


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        from . import signals  # noqa: F401

        post_migrate.connect(build_empty_index, sender=self, dispatch_uid="search_build_empty_index")
