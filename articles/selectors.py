"""Reads of published articles, each in a fixed number of queries."""

from django.db.models import QuerySet

from .models import Article


def published_articles(*, topic: str | None = None) -> QuerySet[Article]:
    """Return the published articles with their topics, narrowed to a topic slug when given."""
    articles = Article.objects.published().prefetch_related("topics")
    if topic:
        articles = articles.filter(topics__slug=topic)
    return articles
