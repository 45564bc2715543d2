"""What the landscape's lists cite of live versions: their paragraphs and mentions, as rows to join.

A version's content is one JSON document. Lists of quotes and figures and an entity's "cited in" need the
live paragraphs in SQL, to filter, sort and page them at any size: when a version goes live
(`version_published`) its article's rows are rewritten from it (`citations_publish`), and a mention
withdrawn from it (`version_withdrawn`) loses its row at once. Every public list then joins
`LiveParagraph` and `LiveMention`, never the working copy, so an edit shows only once it is published.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver

from articles.models import ArticleVersion
from articles.publication import live_content, version_published, version_withdrawn

from .models import LiveMention, LiveParagraph


def citation_rows(content: dict) -> tuple[list[dict], list[dict]]:
    """Return the paragraphs and the mentions a version's content holds, as the rows' fields.

    Paragraphs come in reading order (`sequence`); mentions only where the version holds their paragraph.
    """
    paragraphs = [
        {"paragraph_id": item["id"], "anchor": item["anchor"], "text": item["text"]}
        for section in content.get("sections", [])
        for item in section.get("paragraphs", [])
    ]
    for sequence, row in enumerate(paragraphs):
        row["sequence"] = sequence
    held = {row["paragraph_id"] for row in paragraphs}
    mentions = [
        {
            "paragraph_id": item["paragraph"],
            "mention_id": item.get("id"),
            f"{item['type']}_id": item["entity"],
            "start": item["start"],
            "end": item["end"],
            "text": item["text"],
        }
        for item in content.get("mentions", [])
        if item.get("paragraph") in held
    ]
    return paragraphs, mentions


@transaction.atomic
def citations_publish(*, version: ArticleVersion) -> None:
    """Make the version's paragraphs and mentions what the landscape's lists cite of its article."""
    paragraphs, mentions = citation_rows(live_content(version))
    held = [row["paragraph_id"] for row in paragraphs]
    LiveParagraph.objects.filter(Q(article_id=version.article_id) | Q(pk__in=held)).delete()
    LiveParagraph.objects.bulk_create(
        LiveParagraph(article_id=version.article_id, version=version, publish_at=version.publish_at, **row)
        for row in paragraphs
    )
    LiveMention.objects.bulk_create(LiveMention(**row) for row in mentions)


def citations_withdraw(*, version: ArticleVersion) -> None:
    """Drop the mentions withdrawn from the version since it went live."""
    withdrawn = (version.withdrawn or {}).get("mentions", [])
    if withdrawn:
        LiveMention.objects.filter(paragraph__version=version, mention_id__in=withdrawn).delete()


@receiver(version_published, dispatch_uid="landscape_citations_published")
def _version_published(sender, version, **kwargs):
    citations_publish(version=version)


@receiver(version_withdrawn, dispatch_uid="landscape_citations_withdrawn")
def _version_withdrawn(sender, version, **kwargs):
    citations_withdraw(version=version)
