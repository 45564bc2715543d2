"""Keep stored renders current: render a version when it goes live, count every change to what they read.

Each receiver is one call into `reader.rendered`, where what a render reads (`WATCHED`) lives. Saves by
fixture loading and by restores (`raw=True`) are counted like any other: they change what readers see too.
"""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from articles.models import ArticleVersion
from articles.publication import version_published
from reader.api import document_store
from reader.rendered import (
    PUBLISH_CHOICES,
    WATCHED,
    Surface,
    stored_renders_retire,
    stores_renders,
    version_dependencies_record,
    watched_before_save,
    watched_deleted,
    watched_saved,
)
from reader.views import page_store

logger = logging.getLogger(__name__)


@receiver(version_published, dispatch_uid="reader_version_published")
def _version_published(sender, version, **kwargs):
    # In the publish's transaction: what the version depends on, before anything can render it.
    version_dependencies_record(version)
    stored_renders_retire(version)
    if stores_renders():
        transaction.on_commit(partial(_render_on_publish, version.pk))


def _render_on_publish(version_id: int) -> None:
    """Store the page and the API document of a version that went live, as served without a choice."""
    version = ArticleVersion.objects.filter(pk=version_id).first()
    if version is None:
        return
    try:
        for choice in PUBLISH_CHOICES:
            store = page_store if choice.surface == Surface.PAGE else document_store
            store(version, choice)
    except Exception:
        # The publish is committed; a render that failed here is made on the first request instead.
        logger.exception("Storing the renders of version %s failed", version_id)


def _before_save(sender, instance, update_fields=None, **kwargs):
    watched_before_save(instance, update_fields)


def _saved(sender, instance, **kwargs):
    watched_saved(instance)


def _deleted(sender, instance, **kwargs):
    watched_deleted(instance)


for _model in WATCHED:
    _name = _model._meta.label_lower
    pre_save.connect(_before_save, sender=_model, dispatch_uid=f"reader_before_save_{_name}")
    post_save.connect(_saved, sender=_model, dispatch_uid=f"reader_saved_{_name}")
    post_delete.connect(_deleted, sender=_model, dispatch_uid=f"reader_deleted_{_name}")
