"""What a revision of an article holds, and what a restore of article text is followed by.

An article's revision holds the article with its sections and their paragraphs, so restoring one
brings the text back as it was, into the working copy: the live version stays until an editor
publishes. Annotations are versioned on their own and are not followed from the
article: restoring an old article deletes what did not exist then, and an annotation must never be lost
that way (annotations are re-attached to the restored text instead). The machinery is in
`core/versioning.py`.
"""

from __future__ import annotations

import reversion
from django.db import models

from core.versioning import after_restore, keep_on_restore

from .annotations import annotations_reattach_article
from .models import (
    Annotation,
    Article,
    ArticleVersion,
    ChangeReview,
    Paragraph,
    Section,
    SlugRedirect,
    Topic,
)


def register_versioned_models() -> None:
    """Register the article models with what their revisions hold, and what a restore keeps."""
    reversion.register(Article, follow=["sections"])
    reversion.register(Section, follow=["paragraphs"])
    reversion.register(Paragraph)
    reversion.register(Annotation)
    reversion.register(Topic)
    reversion.register(SlugRedirect)  # a delete of its article records it; a recover brings it back
    # A published version is a record, never edited: its article's deletion keeps it with the rest.
    reversion.register(ArticleVersion)
    reversion.register(ChangeReview)
    # A restore changes the working copy only: what readers see stays until an editor publishes again.
    keep_on_restore(
        Article,
        ["status", "publish_at", "slug", "live_version"],
        recovered_as={"status": Article.Status.DRAFT, "publish_at": None, "live_version": None},
    )
    keep_on_restore(Topic, ["slug"])
    after_restore(reattach_restored_text)


def reattach_restored_text(objects: list[models.Model]) -> list[str]:
    """Re-attach the annotations of every article whose text a restore brought back; warn of orphans."""
    article_ids = set()
    for obj in objects:
        if isinstance(obj, Article):
            article_ids.add(obj.pk)
        elif isinstance(obj, Section | Annotation):
            article_ids.add(obj.article_id)
        elif isinstance(obj, Paragraph):
            article_ids.add(obj.section.article_id)
    orphaned = sum(
        annotations_reattach_article(article=article).orphaned
        for article in Article.objects.filter(pk__in=article_ids)
    )
    if not orphaned:
        return []
    return [f"{orphaned} annotation(s) could not be placed in the restored text and are marked orphaned."]
