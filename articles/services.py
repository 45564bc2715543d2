"""Write operations on articles that touch several rows, each inside one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db import transaction
from django.utils.text import slugify
from pypinyin import lazy_pinyin

from core.variants import HANS, convert
from core.versioning import recorded_revision

from .anchoring import CONTEXT_LENGTH
from .models import Annotation, Article, ArticleVersion, Paragraph, Section, SlugRedirect
from .textpipeline import IngestInputError, IngestResult, IngestWarning, decode_raw_article, parse_article

_SLUG_STEM_CHARS = 60


def article_raw_text(*, size: int, read: Callable[[], bytes]) -> str:
    """Return the text of a raw article file of `size` bytes, or raise IngestInputError saying why not.

    The size is checked before `read` is called, so that an oversized upload is never read whole.
    """
    max_bytes = settings.INGEST_MAX_BYTES
    if size > max_bytes:
        raise IngestInputError(f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes.")
    return decode_raw_article(read(), max_bytes)


def article_preview(*, raw_text: str, require_paragraphs: bool = False) -> IngestResult:
    """Parse a raw article without saving anything, for the report and preview an editor checks first.

    With require_paragraphs, refuse a text that ingest would refuse: one holding no article paragraphs.
    """
    result = parse_article(raw_text)
    if require_paragraphs and not any(section.paragraphs for section in result.sections):
        raise IngestInputError("The text holds no article paragraphs.")
    return result


@transaction.atomic
def article_ingest(
    *,
    raw_text: str,
    title: str,
    slug: str | None = None,
    created_by=None,
    revision_comment: str = "Ingested from raw text",
) -> Article:
    """Create a draft article from raw scraped text, with an internal annotation for each warning.

    The article is recorded as its first revision, so its history starts with the text as ingested.
    """
    title = title.strip()
    if not title:
        raise ValidationError("An article needs a title; the raw text does not carry one.")
    result = article_preview(raw_text=raw_text, require_paragraphs=True)
    with recorded_revision(created_by, revision_comment):
        return _article_create(result, raw_text=raw_text, title=title, slug=slug, created_by=created_by)


def _article_create(result: IngestResult, *, raw_text: str, title: str, slug: str | None, created_by):
    """Write the parsed article: the draft, its sections and paragraphs, and its warnings' annotations."""
    article = Article.objects.create(
        title=title,
        slug=_claim_slug(slug, title),
        status=Article.Status.DRAFT,
        language=result.language,
        original_source=_fit(result.original_source, Article, "original_source"),
        author=_fit(result.author, Article, "author"),
        image_credit=_fit(result.image_credit, Article, "image_credit"),
        publisher=_fit(result.publisher, Article, "publisher"),
        reprint_url=_fit(result.reprint_url, Article, "reprint_url"),
        disclaimer=result.disclaimer or "",
        notice=result.notice or "",
        raw_text=raw_text,
        ingest_report=result.to_dict(),
    )
    paragraphs: dict[tuple[int, int], Paragraph] = {}
    for section_index, section_result in enumerate(result.sections):
        section = Section.objects.create(
            article=article, position=section_index, heading=section_result.heading or ""
        )
        for paragraph_index, paragraph_result in enumerate(section_result.paragraphs):
            # A `(圖源:…)` caption becomes an image paragraph awaiting its file (the scrape dropped the
            # picture); the pre-publish check lists it, and readers see the caption alone until it comes.
            # The ingest's 圖片來源 line stays the article's `image_credit`: the credit of every image
            # attached later that has none of its own.
            kind = Paragraph.Kind.IMAGE if paragraph_result.kind == "caption" else Paragraph.Kind.TEXT
            paragraphs[(section_index, paragraph_index)] = Paragraph.objects.create(
                section=section,
                position=paragraph_index,
                kind=kind,
                text=paragraph_result.text,
            )
    Annotation.objects.bulk_create(
        _warning_annotation(article, paragraphs[(warning.section, warning.paragraph)], warning, created_by)
        for warning in result.warnings
    )
    return article


def _warning_annotation(
    article: Article, paragraph: Paragraph, warning: IngestWarning, created_by
) -> Annotation:
    text = paragraph.text
    return Annotation(
        article=article,
        paragraph=paragraph,
        kind=Annotation.Kind.INGEST_WARNING,
        visibility=Annotation.Visibility.INTERNAL,
        status=Annotation.Status.OPEN,
        body=_warning_body(warning),
        exact=warning.excerpt,
        prefix=text[max(0, warning.start - CONTEXT_LENGTH) : warning.start],
        suffix=text[warning.end : warning.end + CONTEXT_LENGTH],
        start=warning.start,
        end=warning.end,
        created_by=created_by,
    )


def _warning_body(warning: IngestWarning) -> str:
    lines = [f"**Ingest warning ({warning.kind})**: {warning.message}"]
    if warning.proposal is not None:
        lines.append(f"Proposed text: `{warning.proposal}`")
    elif warning.guess:
        lines.append(f"Unconfirmed best guess: `{warning.guess}`")
    if warning.partial and warning.partial != warning.proposal:
        lines.append(f"What the surviving bytes prove (□ = lost): `{warning.partial}`")
    if warning.alternatives:
        lines.append("Other readings: " + ", ".join(f"`{reading}`" for reading in warning.alternatives))
    if warning.original and warning.original != warning.excerpt:
        lines.append(f"As ingested: `{warning.original}`")
    return "\n\n".join(lines)


def _claim_slug(slug: str | None, title: str) -> str:
    """Return the given slug if it is free, else a unique slug made from the title."""
    if slug:
        validate_unicode_slug(slug)
        if Article.objects.filter(slug=slug).exists():
            raise ValidationError(f"The slug “{slug}” is already used by another article.")
        return slug
    return article_unique_slug(title)


def article_unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """Return a slug made from the title that no other article uses, now, as an old address or live."""
    stem = article_slug_from_title(title) or "article"
    candidate = stem
    while (
        Article.objects.filter(slug=candidate).exclude(pk=exclude_pk).exists()
        or SlugRedirect.objects.filter(old_slug=candidate).exclude(article=exclude_pk).exists()
        or ArticleVersion.objects.live().filter(slug=candidate).exclude(article=exclude_pk).exists()
    ):
        candidate = f"{stem}-{secrets.token_hex(3)}"
    return candidate


def _fit(value: str | None, model, field_name: str) -> str:
    """Return a metadata value cut to its column's length: a scraped credit line can run on."""
    max_length = model._meta.get_field(field_name).max_length
    return (value or "")[:max_length]


def article_slug_from_title(title: str) -> str:
    """Return a readable ASCII slug for a title: Chinese written in pinyin, 百模大戰 → bai-mo-da-zhan."""
    # pypinyin's phrase dictionary is in Simplified script; its readings keep Latin words as they are.
    readings = lazy_pinyin(convert(title, HANS), errors=lambda chunk: chunk)
    return slugify(" ".join(readings))[:_SLUG_STEM_CHARS].strip("-")


def article_slug_moved(*, article: Article, old_slug: str, was_public: bool) -> SlugRedirect | None:
    """Keep an address a public article had answering for it after its slug changed.

    Called when a new live version takes another slug than the last one (`articles.publication`): until
    then the old address is still the article's own.

    The new slug is the article's own again if it once redirected; an old slug of an article nobody could
    read answers nothing, since no reader or search engine can have it.
    """
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    if old_slug == article.slug or not was_public:
        return None
    redirect, _ = SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})
    return redirect
