"""Reads of published articles, each in a fixed number of queries: readers see live versions."""

from django.db.models import QuerySet

from .models import Article, ArticleVersion, SlugRedirect


def published_articles(*, topic: str | None = None) -> QuerySet[ArticleVersion]:
    """Return the live versions of published articles with their topics, narrowed to a topic slug."""
    versions = ArticleVersion.objects.live().listing()
    if topic:
        versions = versions.filter(topics__slug=topic)
    return versions


def published_article_moved_from(slug: str) -> ArticleVersion | None:
    """Return the live version of the published article that had `slug` before its current one, if any."""
    moved = (
        SlugRedirect.objects.filter(old_slug=slug, article__in=Article.objects.published())
        .select_related("article__live_version")
        .defer("article__live_version__content")
        .first()
    )
    return moved.article.live_version if moved else None
