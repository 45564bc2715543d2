"""Small factory functions for test data; each returns saved objects."""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Article, Paragraph, Section

_counter = itertools.count(1)


def make_article(
    *,
    title: str | None = None,
    status: str = Article.Status.PUBLISHED,
    publish_at=None,
    sections: int = 2,
    paragraphs: int = 3,
    **fields,
) -> Article:
    """Create an article with `sections` sections of `paragraphs` paragraphs each."""
    n = next(_counter)
    if publish_at is None and status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED):
        publish_at = timezone.now() - timedelta(hours=n)
    article = Article.objects.create(
        title=title or f"測試文章{n}",
        slug=fields.pop("slug", f"test-article-{n}"),
        status=status,
        publish_at=publish_at,
        **fields,
    )
    for s in range(sections):
        section = Section.objects.create(article=article, position=s, heading=f"第{s + 1}節" if s else "")
        Paragraph.objects.bulk_create(
            Paragraph(section=section, position=p, text=f"第{s + 1}節第{p + 1}段：大模型的算力。")
            for p in range(paragraphs)
        )
    return article
