from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Connect the receivers that keep annotations attached when paragraphs change, and those that
        # tell the front cache what to drop when what readers see changes.
        from . import annotations, frontcache  # noqa: F401

        # Connect the receivers that tell a working copy changed since its live version.
        from .publication import publish_missing_after_migrate
        from .roles import roles_sync_after_migrate
        from .versioning import register_versioned_models

        register_versioned_models()
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="articles.roles_sync")
        post_migrate.connect(publish_missing_after_migrate, dispatch_uid="articles.publish_missing")
