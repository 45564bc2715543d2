"""What a published version of an article holds of the landscape: its confirmed mentions.

`articles.publication` freezes an article when an editor publishes it; the receiver here adds the
confirmed mentions with the names of the companies and people they link to, as they were then. Reading a
version back, `published_mentions` keeps those of entities still published and not withdrawn since:
unpublishing a company or a person takes its links off every published article at once, and so does
rejecting or deleting a mention (`articles.publication.version_withdraw`). Mention edits touch the
article's working copy, so the admin can tell it has unpublished changes.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.checks import Finding, prepublish_checking
from articles.models import Paragraph
from articles.publication import PublishedArticle, article_touched, version_composing, version_withdraw

from .models import Company, Mention, Person
from .selectors import mentions_needing_review

_ENTITIES = {"company": Company, "person": Person}


@receiver(version_composing, dispatch_uid="landscape_version_mentions")
def _compose_mentions(sender, article, **kwargs) -> dict:
    return {"mentions": article_mentions_content(article)}


def article_mentions_content(article) -> list[dict]:
    """Return the confirmed mentions of the article's working copy as a version holds them, in one query."""
    mentions = (
        Mention.objects.confirmed()
        .in_article(article)
        .select_related("company", "person")
        .order_by("paragraph_id", "start", "pk")
    )
    content = []
    for mention in mentions:
        entity = mention.entity
        content.append(
            {
                "id": mention.pk,
                "paragraph": mention.paragraph_id,
                "start": mention.start,
                "end": mention.end,
                "text": mention.text,
                "type": "company" if mention.company_id else "person",
                "entity": entity.pk,
                "slug": entity.slug,
                "name_zh": entity.name_zh,
                "name_en": entity.name_en,
            }
        )
    return content


def published_mentions(published: PublishedArticle) -> dict[int, list[Mention]]:
    """Map a paragraph id to the mentions its version published, of entities still published.

    Each is an unsaved Mention whose company or person carries the name published with the article and
    its current address; one query per kind of entity named, none when the version names nobody.
    """
    items = published.content.get("mentions", [])
    wanted: dict[str, set[int]] = {}
    for item in items:
        wanted.setdefault(item["type"], set()).add(item["entity"])
    slugs = {
        kind: dict(_ENTITIES[kind].objects.published().filter(pk__in=ids).values_list("pk", "slug"))
        for kind, ids in wanted.items()
    }
    paragraphs = {paragraph.pk: paragraph for paragraph in published.paragraphs}
    found: dict[int, list[Mention]] = {}
    for item in items:
        slug = slugs[item["type"]].get(item["entity"])
        paragraph = paragraphs.get(item["paragraph"])
        if slug is None or paragraph is None:
            continue
        entity = _ENTITIES[item["type"]](
            pk=item["entity"], slug=slug, name_zh=item["name_zh"], name_en=item["name_en"], published=True
        )
        mention = Mention(
            paragraph=paragraph,
            start=item["start"],
            end=item["end"],
            text=item["text"],
            status=Mention.Status.CONFIRMED,
            **{item["type"]: entity},
        )
        found.setdefault(paragraph.pk, []).append(mention)
    return found


@receiver(post_save, sender=Mention, dispatch_uid="landscape_mention_saved")
@receiver(post_delete, sender=Mention, dispatch_uid="landscape_mention_deleted")
def _mention_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        article_touched(mention_article_id(instance))


@receiver(post_save, sender=Mention, dispatch_uid="landscape_mention_withdrawn_on_save")
def _mention_saved(sender, instance, created=False, raw=False, **kwargs):
    # Rejected, or reopened by an editor: off the live version at once. A mention that lost its place in
    # the working copy (a review reason) still stands where the live version shows it.
    if raw or created or instance.status == Mention.Status.CONFIRMED:
        return
    if instance.status == Mention.Status.REJECTED or not instance.review_reason:
        version_withdraw(mention_article_id(instance), mentions=[instance.pk])


@receiver(post_delete, sender=Mention, dispatch_uid="landscape_mention_withdrawn_on_delete")
def _mention_deleted(sender, instance, **kwargs):
    # One rejected or reopened was withdrawn then; a suggestion never was published.
    if Mention.Status.CONFIRMED in (instance.status, instance.status_before_review):
        version_withdraw(mention_article_id(instance), mentions=[instance.pk])


def mention_article_id(mention: Mention) -> int | None:
    if mention.paragraph_id is None:
        return mention.unplaced_in_id  # set aside for review: listed on its article
    return (
        Paragraph.objects.filter(pk=mention.paragraph_id)
        .values_list("section__article_id", flat=True)
        .first()
    )


@receiver(prepublish_checking, dispatch_uid="landscape_prepublish_mentions")
def _mentions_to_review(sender, article, **kwargs) -> list[Finding]:
    # Suggestions still undecided in the text, and mentions that lost their place in it.
    waiting = Mention.objects.in_article(article).filter(status=Mention.Status.SUGGESTED).count()
    waiting += mentions_needing_review(article).count()
    if not waiting:
        return []
    noun = "mention needing review" if waiting == 1 else "mentions needing review"
    return [Finding("mentions-to-review", f"{waiting} {noun}", waiting)]
