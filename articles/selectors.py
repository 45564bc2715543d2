"""Reads of published articles, each in a fixed number of queries."""

from django.db.models import QuerySet

from .models import Article, SlugRedirect


def published_articles(*, topic: str | None = None) -> QuerySet[Article]:
    """Return the published articles with their topics, narrowed to a topic slug when given."""
    articles = Article.objects.published().prefetch_related("topics")
    if topic:
        articles = articles.filter(topics__slug=topic)
    return articles


def published_article_moved_from(slug: str) -> Article | None:
    """Return the published article that had `slug` before its current one, if any."""
    moved = (
        SlugRedirect.objects.filter(old_slug=slug, article__in=Article.objects.published())
        .select_related("article")
        .first()
    )
    return moved.article if moved else None
