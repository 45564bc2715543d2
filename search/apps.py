from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def build_empty_index(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Fill the index on the first migrate that creates it, so existing content is searchable at once."""
    from .models import SearchDocument
    from .services import search_rebuild

    if using != DEFAULT_DB_ALIAS:
        return
    if SearchDocument._meta.db_table not in connections[using].introspection.table_names():
        return
    if not SearchDocument.objects.exists():
        search_rebuild()


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        from . import signals  # noqa: F401

        post_migrate.connect(build_empty_index, sender=self, dispatch_uid="search_build_empty_index")
