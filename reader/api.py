"""Read API for published articles: the list, and each article in full with its public annotations.

Both answer from live versions (`articles.publication`): what an editor last published. An article's
document is rendered once per version and script and served as stored (`reader.rendered`).
"""

import html
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import strip_tags
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from articles.annotations import render_note
from articles.models import Annotation, Article, ArticleVersion, Paragraph, Topic
from articles.publication import PublishedArticle, published_article
from articles.selectors import published_article_moved_from, published_articles
from core.apitools import (
    DETAIL_ERRORS,
    LIST_ERRORS,
    CursorPage,
    NotFound,
    PublishedBetween,
    ScriptText,
    SlugFilter,
    SlugPath,
    UnicodeJSONRenderer,
    Variant,
    order,
    ordering_type,
    requested_variant,
)
from core.frontcache import cache_tags, list_tag
from core.variants import HANS, HANT, convert, convert_spans
from images.schemas import ImageOut, image_out
from landscape.publication import published_mentions
from landscape.selectors import articles_mentioning
from reader.composition import version_images
from reader.rendered import (
    Choice,
    Stored,
    Surface,
    fill,
    render_stored,
    request_origin,
    stored_etag,
    stored_version,
    stores_renders,
    version_tags,
)
from reader.views import moved_permanently

router = Router(tags=["articles"])

ARTICLE_ORDERINGS = {
    "-publish_at": ("-publish_at", "-pk"),
    "publish_at": ("publish_at", "pk"),
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
}
_LANGUAGE_TAGS = {HANS: "zh-Hans", HANT: "zh-Hant"}
# Read from the models, so that the schema documents every value the database can hold.
ParagraphKind = Literal[tuple(Paragraph.Kind.values)]
AnnotationKind = Literal[tuple(Annotation.Kind.values)]


def _absolute_url(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _language(stored: str, request: HttpRequest | None) -> str:
    """Return the language tag of the text as served: a Chinese article follows the requested script."""
    variant = requested_variant(request)
    if variant and stored.lower().startswith("zh"):
        return _LANGUAGE_TAGS[variant]
    return stored


class TopicOut(Schema):
    slug: str
    name: ScriptText


class ArticleSummary(Schema):
    """A published article as lists show it."""

    slug: str
    title: ScriptText
    summary: ScriptText
    language: str = Field(description="BCP 47 tag of the text as served, e.g. `zh-Hant`.")
    publish_at: datetime
    url: str = Field(description="The article's page on the website.")
    topics: list[TopicOut]

    @staticmethod
    def resolve_url(obj: Article, context) -> str:
        return _absolute_url(context["request"], obj.get_absolute_url())

    @staticmethod
    def resolve_language(obj: Article, context) -> str:
        return _language(obj.language, context["request"])

    @staticmethod
    def resolve_topics(obj: Article) -> list:
        return list(obj.topics.all())


class CreditsOut(Schema):
    """Where the text comes from, as the article page credits it."""

    original_source: ScriptText
    author: ScriptText
    image_credit: ScriptText
    publisher: ScriptText = Field(description="The site the text was reprinted on.")
    reprint_url: str
    disclaimer: ScriptText
    notice: ScriptText


class ParagraphOut(Schema):
    anchor: str = Field(description="Stable id: it survives edits and reordering.")
    kind: ParagraphKind
    text: str = Field(description="In the requested script; annotation and mention offsets index it.")
    url: str
    image: ImageOut | None = Field(
        description="For a `caption` paragraph, the image it captions; null while it awaits its file.",
    )


class SectionOut(Schema):
    anchor: str
    heading: ScriptText
    paragraphs: list[ParagraphOut]


class TextQuoteSelector(Schema):
    type: Literal["TextQuoteSelector"]
    exact: str
    prefix: str
    suffix: str


class TextPositionSelector(Schema):
    type: Literal["TextPositionSelector"]
    start: int = Field(description="Offset in Unicode code points into the paragraph's text.")
    end: int


class AnnotationTarget(Schema):
    source: str | None = Field(description="URL of the annotated paragraph; null when it was deleted.")
    paragraph: str | None = Field(description="Anchor of the annotated paragraph.")
    selector: list[TextQuoteSelector | TextPositionSelector]


class AnnotationOut(Schema):
    """A public editor's note on a span, shaped after the W3C Web Annotation model."""

    id: str
    kind: AnnotationKind
    note_html: str = Field(description="The note rendered as sanitised HTML.")
    note_text: str = Field(description="The note as plain text.")
    orphaned: bool = Field(
        description="The annotated text was not found after an edit; the selector shows it as it was."
    )
    created: datetime
    modified: datetime
    target: AnnotationTarget


class EntityOut(Schema):
    """The company or person a mention names, with the same name fields as everywhere else."""

    type: Literal["company", "person"]
    slug: str
    name_zh: ScriptText
    name_en: str
    url: str


class MentionOut(Schema):
    """A confirmed mention of a published company or person."""

    paragraph: str
    start: int
    end: int
    text: str
    entity: EntityOut


class ArticleDetail(ArticleSummary):
    """A published article in full."""

    updated_at: datetime
    credits: CreditsOut
    lead_image: ImageOut | None = Field(description="Shown at the top of the article; null when none.")
    sections: list[SectionOut]
    annotations: list[AnnotationOut]
    mentions: list[MentionOut]

    @staticmethod
    def resolve_topics(obj: Article) -> list:
        return obj.api_topics

    @staticmethod
    def resolve_credits(obj: Article) -> Article:
        return obj

    @staticmethod
    def resolve_lead_image(obj: Article) -> dict | None:
        return obj.api_lead_image

    @staticmethod
    def resolve_sections(obj: Article) -> list:
        return obj.api_sections

    @staticmethod
    def resolve_annotations(obj: Article) -> list:
        return obj.api_annotations

    @staticmethod
    def resolve_mentions(obj: Article) -> list:
        return obj.api_mentions


_TAGS = re.compile(r"(<[^>]*>)")


def _convert_html(markup: str, variant: str | None) -> str:
    """Convert the text between tags only, so that link targets and attributes stay as written."""
    if not variant:
        return markup
    return "".join(part if i % 2 else convert(part, variant) for i, part in enumerate(_TAGS.split(markup)))


def _quote_spans(annotation: Annotation, text: str) -> list[tuple[int, int]]:
    """Return the prefix, exact and suffix spans, the context cut from `text` as it stands now."""
    start, end = annotation.start, annotation.end
    return [
        (max(0, start - len(annotation.prefix)), start),
        (start, end),
        (end, min(len(text), end + len(annotation.suffix))),
    ]


@dataclass
class _Note:
    """A public annotation as served: its quote and offsets in the paragraph's served text."""

    annotation: Annotation
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int
    placed: bool

    @classmethod
    def unplaced(cls, annotation: Annotation, variant: str | None) -> "_Note":
        """Serve an annotation whose offsets no longer index its paragraph, its quote converted alone."""
        exact, prefix, suffix = (
            convert(part, variant) for part in (annotation.exact, annotation.prefix, annotation.suffix)
        )
        return cls(annotation, exact, prefix, suffix, annotation.start, annotation.end, placed=False)

    def as_dict(self, paragraph_url: str | None, variant: str | None) -> dict:
        annotation = self.annotation
        rendered = render_note(annotation.body)
        return {
            "id": str(annotation.uid),
            "kind": annotation.kind,
            "note_html": _convert_html(rendered, variant),
            "note_text": convert(html.unescape(strip_tags(rendered)).strip(), variant),
            # Not placed means the offsets no longer index the paragraph, whatever the stored flag says.
            "orphaned": not self.placed,
            "created": annotation.created_at,
            "modified": annotation.updated_at,
            "target": {
                "source": paragraph_url,
                "paragraph": annotation.paragraph.anchor if annotation.paragraph_id else None,
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": self.exact,
                        "prefix": self.prefix,
                        "suffix": self.suffix,
                    },
                    {"type": "TextPositionSelector", "start": self.start, "end": self.end},
                ],
            },
        }


def _attach_reading(published: PublishedArticle, request: HttpRequest) -> Article:
    """Lay out sections, annotations and mentions in the requested script, offsets kept exact."""
    article = published.article
    variant = requested_variant(request)
    page_url = _absolute_url(request, article.get_absolute_url())
    annotations_of: dict[int | None, list[Annotation]] = defaultdict(list)
    for annotation in published.notes:
        annotations_of[annotation.paragraph_id].append(annotation)
    mentions_of = published_mentions(published)
    images = version_images(published)

    sections, annotations, mentions = [], [], []
    for section in published.sections:
        paragraphs = []
        for paragraph in section.published_paragraphs:
            url = f"{page_url}#{paragraph.anchor}"
            shown, notes, found = _read_paragraph(
                paragraph, annotations_of.pop(paragraph.pk, []), mentions_of.get(paragraph.pk, []), variant
            )
            image = images.document(paragraph.image_id, "inline") if paragraph.image_id else None
            paragraphs.append(
                {
                    "anchor": paragraph.anchor,
                    "kind": paragraph.kind,
                    "text": shown,
                    "url": url,
                    "image": image_out(request, image),
                }
            )
            annotations.extend(note.as_dict(url, variant) for note in notes)
            mentions.extend(
                _mention(mention, text, start, end, request) for mention, text, start, end in found
            )
        sections.append({"anchor": section.anchor, "heading": section.heading, "paragraphs": paragraphs})
    # Annotations whose paragraph is gone come last.
    for annotation in [a for group in annotations_of.values() for a in group]:
        annotations.append(_Note.unplaced(annotation, variant).as_dict(None, variant))

    article.api_topics = published.topics
    article.api_lead_image = image_out(request, images.document(article.lead_image_id, "lead"))
    article.api_sections = sections
    article.api_annotations = annotations
    article.api_mentions = mentions
    return article


def _read_paragraph(paragraph: Paragraph, annotations: list[Annotation], mentions: list, variant: str | None):
    """Return the paragraph's text in `variant`, with its annotations and its mentions placed in it.

    The text is converted once with every span it carries, and quotes are cut from the converted text,
    so an annotation's `exact` is always `text[start:end]` of the paragraph as served.
    """
    text = paragraph.text
    placed = [a for a in annotations if a.is_placed_in(text)]
    found = [m for m in mentions if m.matches(text)]
    spans = [span for a in placed for span in _quote_spans(a, text)]
    spans += [(m.start, m.end) for m in found]
    shown, moved = convert_spans(text, spans, variant)
    moved = iter(moved)
    notes = []
    for annotation in placed:
        (p0, p1), (e0, e1), (s0, s1) = next(moved), next(moved), next(moved)
        notes.append(_Note(annotation, shown[e0:e1], shown[p0:p1], shown[s0:s1], e0, e1, placed=True))
    notes += [_Note.unplaced(a, variant) for a in annotations if a not in placed]
    mentions = [(m, shown[start:end], start, end) for m, (start, end) in zip(found, moved, strict=True)]
    return shown, notes, mentions


def _mention(mention, text: str, start: int, end: int, request: HttpRequest) -> dict:
    entity = mention.company if mention.company_id else mention.person
    return {
        "paragraph": mention.paragraph.anchor,
        "start": start,
        "end": end,
        "text": text,
        "entity": {
            "type": "company" if mention.company_id else "person",
            "slug": entity.slug,
            "name_zh": entity.name_zh,
            "name_en": entity.name_en,
            "url": _absolute_url(request, entity.get_absolute_url()),
        },
    }


class ArticleFilters(PublishedBetween):
    topic: SlugFilter | None = Field(
        None, description="Only articles with this topic slug.", examples=["llm"]
    )
    company: SlugFilter | None = Field(
        None,
        description="Only articles that mention this published company (its slug).",
        examples=["baichuan"],
    )
    person: SlugFilter | None = Field(
        None,
        description="Only articles that mention this published person (their slug).",
        examples=["wang-xiaochuan"],
    )
    ordering: ordering_type(ARTICLE_ORDERINGS, "-publish_at") = "-publish_at"
    variant: Variant | None = None


@router.get(
    "/articles",
    response={200: list[ArticleSummary], **LIST_ERRORS},
    summary="List published articles",
    # Named as before the router moved here: clients generated from the schema keep their method names.
    operation_id="articles_api_list_articles",
)
@paginate(CursorPage)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):
    """List published articles, newest first unless `ordering` says otherwise."""
    cache_tags(request, list_tag(Article), list_tag(Topic))
    articles = published_articles(topic=filters.topic).filter(filters.published_within("publish_at"))
    for field, slug in (("company", filters.company), ("person", filters.person)):
        if slug:
            articles = articles.filter(article__in=articles_mentioning(**{field: slug}))
    return order(articles, filters.ordering, ARTICLE_ORDERINGS)


@router.get(
    "/articles/{slug}",
    response={200: ArticleDetail, 301: None, **DETAIL_ERRORS},
    summary="Get a published article in full",
    operation_id="articles_api_get_article",
)
def get_article(request: HttpRequest, slug: str = SlugPath, variant: Query[Variant | None] = None):
    """Return a published article with sections, paragraphs, public annotations, mentions and credits.

    An address the article had before its slug changed answers `301 Moved Permanently` to the current one.
    """
    if not stores_renders():
        version = ArticleVersion.objects.live().filter(slug=slug).first()
        if version is None:
            return _moved_or_missing(request, slug)
        content = version.content
        cache_tags(
            request,
            *version_tags(version.article_id, content.get("topics", []), content.get("mentions", [])),
        )
        return _attach_reading(published_article(version), request)
    choice = Choice(Surface.API, variant or "")
    found = stored_version(slug, choice)
    if found is None:
        return _moved_or_missing(request, slug)
    stored = found.stored or document_store(ArticleVersion.objects.get(pk=found.version_id), choice)
    cache_tags(request, *stored.tags)
    response = HttpResponse(fill(stored, request, DOCUMENT_SLOTS), content_type=_RENDERER.content_type)
    # The validator of what was filled in, from the stored digest: `core.middleware` hashes no body.
    response["ETag"] = stored_etag(stored, request, DOCUMENT_SLOTS)
    return response


def _moved_or_missing(request: HttpRequest, slug: str):
    cache_tags(request, list_tag(Article))  # a 301 is kept until an article moves, joins or leaves
    moved = published_article_moved_from(slug)
    if moved is None:
        raise NotFound(f"No published article has the slug {slug!r}.")
    return moved_permanently(request, f"{request.path.rsplit('/', 1)[0]}/{moved.slug}")


# What each request puts in a stored document: the origin of its absolute addresses.
DOCUMENT_SLOTS = {"origin": request_origin}
_RENDERER = UnicodeJSONRenderer()


def document_store(version: ArticleVersion, choice: Choice) -> Stored:
    """Render the API document of `version` in a script, as the endpoint would answer it, and store it."""

    def as_served(request: HttpRequest) -> str:
        article = _attach_reading(published_article(version), request)
        context = {"request": request, "response_status": 200}
        data = ArticleDetail.model_validate(article, context=context).model_dump(context=context)
        return _RENDERER.render(request, data, response_status=200)

    query = {"variant": choice.variant} if choice.variant else {}
    path = reverse("api-v1:get_article", kwargs={"slug": version.slug})
    return render_stored(version, choice, as_served, path=path, query=query, slots=DOCUMENT_SLOTS)
