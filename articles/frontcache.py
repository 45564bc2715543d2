"""What the front cache drops when articles change: the tags of the pages that showed them (core/frontcache).

An article's pages, documents and feeds carry `article-<pk>`; every list of articles (home, lists,
feed, sitemap, topic pages) carries `article-list`; search results carry `search`. Publishing a version,
taking something back from one, and an article leaving or joining the public site each ban what showed
it, and so does a change to an image a live version shows (its page and document; the lists, for a
lead image, which cards show). Edits of a working copy ban nothing: readers do not see them. An article
scheduled for later goes live with no write at all: what shows it is kept only until then
(`expect_change`).
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from core.frontcache import SEARCH_TAG, expect_change, list_tag, purge, record_tag
from images.signals import image_changed

from .models import Article, ArticleVersion, Topic
from .publication import version_published, version_withdrawn

# What decides whether and where readers see an article, besides its live version.
VISIBILITY_FIELDS = ("status", "publish_at", "slug")


def article_tags(article_id: int) -> list[str]:
    return [record_tag(Article(pk=article_id)), list_tag(Article), SEARCH_TAG]


@receiver(version_published, sender=ArticleVersion, dispatch_uid="frontcache_version_published")
def _version_published(sender, version, **kwargs):
    purge(*article_tags(version.article_id))
    if version.publish_at and version.publish_at > timezone.now():
        # Until then its address answers a 404 tagged as a list; lists and search show it from then on.
        for tag in (list_tag(Article), SEARCH_TAG):
            expect_change(tag, version.publish_at)


@receiver(version_withdrawn, sender=ArticleVersion, dispatch_uid="frontcache_version_withdrawn")
def _version_withdrawn(sender, version, **kwargs):
    # Notes and mentions are on the article's own page and document, not on lists or in search.
    purge(record_tag(Article(pk=version.article_id)))


@receiver(pre_save, sender=Article, dispatch_uid="frontcache_article_before_save")
def _article_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(VISIBILITY_FIELDS) & set(update_fields):
        return
    instance._visibility_before = (
        Article.objects.filter(pk=instance.pk).values_list(*VISIBILITY_FIELDS).first()
    )


@receiver(post_save, sender=Article, dispatch_uid="frontcache_article_saved")
def _article_saved(sender, instance, raw=False, **kwargs):
    before = instance.__dict__.pop("_visibility_before", None)
    now = tuple(getattr(instance, name) for name in VISIBILITY_FIELDS)
    if before is not None and instance.live_version_id is not None and before != now:
        purge(*article_tags(instance.pk))


@receiver(post_delete, sender=Article, dispatch_uid="frontcache_article_deleted")
def _article_deleted(sender, instance, **kwargs):
    purge(*article_tags(instance.pk))


@receiver(post_save, sender=Topic, dispatch_uid="frontcache_topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="frontcache_topic_deleted")
def _topic_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        purge(record_tag(instance), list_tag(Topic))


def image_article_tags(image_id: int) -> list[str]:
    """Return the tags of what shows an image through a live version: its articles, and lists for a lead."""
    shown = ArticleVersion.objects.live().filter(images=image_id).values_list("article_id", "lead_image_id")
    tags = set()
    for article_id, lead_image_id in shown:
        tags.add(record_tag(Article(pk=article_id)))
        if lead_image_id == image_id:
            tags.add(list_tag(Article))
    return sorted(tags)


@receiver(image_changed, dispatch_uid="frontcache_image_changed")
def _image_changed(sender, image_id, **kwargs):
    purge(*image_article_tags(image_id))
