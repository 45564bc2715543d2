"""Articles, their paragraphs and annotations for tests; each factory returns saved objects."""

import itertools
from datetime import timedelta

from django.utils import timezone

from articles.models import Annotation, Article, Paragraph, Section
from articles.publication import article_publish_version

_numbers = itertools.count(1)


def make_article(
    *texts: str,
    title: str | None = None,
    status: str = Article.Status.PUBLISHED,
    publish_at=None,
    sections: int = 2,
    paragraphs: int = 3,
    **fields,
) -> Article:
    """Create an article with one paragraph per text, or else `sections` sections of `paragraphs` paragraphs.

    A published or scheduled one is published as made: later changes wait for `publish(article)`.

    Paragraphs given as texts are saved one by one, as an editor saves them (each is indexed as it is saved).
    """
    n = next(_numbers)
    if publish_at is None and status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED):
        publish_at = timezone.now() - timedelta(hours=n)
    article = Article.objects.create(
        title=title or f"測試文章{n}",
        slug=fields.pop("slug", f"test-article-{n}"),
        status=status,
        publish_at=publish_at,
        **fields,
    )
    if texts:
        section = Section.objects.create(article=article, position=0)
        for position, text in enumerate(texts):
            Paragraph.objects.create(section=section, position=position, text=text)
    else:
        for s in range(sections):
            section = Section.objects.create(article=article, position=s, heading=f"第{s + 1}節" if s else "")
            Paragraph.objects.bulk_create(
                Paragraph(section=section, position=p, text=f"第{s + 1}節第{p + 1}段：大模型的算力。")
                for p in range(paragraphs)
            )
    if status in Article.PUBLIC_STATUSES:
        publish(article)
    return article


def publish(article: Article, user=None) -> Article:
    """Publish the article's working copy as its live version, as an editor's Publish does; return it."""
    article_publish_version(article, user=user)
    return article


def paragraphs(article: Article) -> list[Paragraph]:
    """Return the article's paragraphs in reading order."""
    return list(Paragraph.objects.filter(section__article=article).order_by("section__position", "position"))


def first_paragraph(article: Article) -> Paragraph:
    return (
        Paragraph.objects.filter(section__article=article).order_by("section__position", "position").first()
    )


def set_text(paragraph: Paragraph, text: str) -> Paragraph:
    paragraph.text = text
    paragraph.save(update_fields=["text"])
    return paragraph


def make_annotation(
    paragraph: Paragraph, start: int, end: int, *, visibility: str = Annotation.Visibility.PUBLIC, **fields
) -> Annotation:
    """Create an annotation of the paragraph's text from `start` to `end`, with its selector context."""
    text = paragraph.text
    fields.setdefault("body", f"測試註釋{next(_numbers)}")
    return Annotation.objects.create(
        article=paragraph.section.article,
        paragraph=paragraph,
        visibility=visibility,
        exact=text[start:end],
        prefix=text[max(0, start - 32) : start],
        suffix=text[end : end + 32],
        start=start,
        end=end,
        **fields,
    )
