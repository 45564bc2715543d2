"""Assemble a published version for its reader page: paragraphs with public notes, mentions and charts."""

from dataclasses import dataclass, field, replace

from django.utils.html import format_html
from django.utils.safestring import SafeString

from articles.annotations import render_note
from articles.models import Annotation, Paragraph
from articles.publication import PublishedArticle
from core.rendering import Span, render_paragraph
from images.models import Image
from images.renditions import Picture, picture, picture_document
from landscape.publication import published_mentions
from landscape.selectors import charts_for_paragraphs

# Readers see the kind of a note in their own language.
NOTE_LABELS = {
    Annotation.Kind.NOTE: "編者按",
    Annotation.Kind.CONTEXT: "背景",
    Annotation.Kind.FACT_CHECK: "事實核查",
    Annotation.Kind.CORRECTION: "更正",
    Annotation.Kind.INGEST_WARNING: "處理提示",
}


@dataclass
class ReaderNote:
    number: int
    dom_id: str
    annotation: Annotation
    html: SafeString

    @property
    def label(self) -> str:
        return NOTE_LABELS.get(self.annotation.kind, "註釋")


@dataclass
class ReaderParagraph:
    paragraph: Paragraph
    html: SafeString
    notes: list[ReaderNote] = field(default_factory=list)
    chart: SafeString | None = None
    # An image paragraph's picture; None while it awaits its file: readers see the caption alone.
    picture: Picture | None = None

    @property
    def anchor(self) -> str:
        return self.paragraph.anchor

    @property
    def kind(self) -> str:
        return self.paragraph.kind


@dataclass
class ReaderSection:
    anchor: str
    heading: SafeString | str
    paragraphs: list[ReaderParagraph]


@dataclass
class ShownImages:
    """The images a version shows, read live: alt text, credit and renditions as they are now.

    Which image each place shows is the version's (`content["images"]`); an image deleted since, or one
    a reader may not be shown (`Image.objects.presentable()`), is left out and its place shows nothing.
    An image without a credit of its own takes the article's image credit (the ingest's `圖片來源`).
    """

    images: dict[int, Image]
    default_credit: str = ""

    def picture(self, image_id: int | None, role: str) -> Picture | None:
        shown = picture(self.images.get(image_id), role) if image_id is not None else None
        if shown is not None and not shown.credit and self.default_credit:
            shown = replace(shown, credit=self.default_credit)
        return shown

    def document(self, image_id: int | None, role: str) -> dict | None:
        document = picture_document(self.images.get(image_id), role) if image_id is not None else None
        if document is not None and not document["credit"] and self.default_credit:
            document["credit"] = self.default_credit
        return document


def version_images(published: PublishedArticle) -> ShownImages:
    """Return the images the version shows with their renditions: two queries, none without images."""
    ids = published.content.get("images", [])
    images = Image.objects.presentable().with_renditions().filter(pk__in=ids) if ids else []
    return ShownImages({image.pk: image for image in images}, published.article.image_credit)


def _annotation_spans(paragraph: Paragraph, notes: list[ReaderNote]):
    spans, markers = [], []
    for note in notes:
        annotation = note.annotation
        if not annotation.is_placed_in(paragraph.text):
            continue
        kind = annotation.kind
        spans.append(
            Span(
                annotation.start,
                annotation.end,
                "mark",
                (("class", f"annotated annotated-{kind}"), ("data-note", note.dom_id)),
            )
        )
        markers.append(
            (
                annotation.end,
                format_html(
                    '<sup class="note-ref"><a href="#{}" id="{}-ref" aria-label="註釋 {}">{}</a></sup>',
                    note.dom_id,
                    note.dom_id,
                    note.number,
                    note.number,
                ),
            )
        )
    return spans, markers


def _mention_spans(paragraph: Paragraph, mentions) -> list[Span]:
    spans = []
    for mention in mentions:
        entity = mention.entity
        if entity is None or not mention.matches(paragraph.text):
            continue
        spans.append(
            Span(mention.start, mention.end, "a", (("class", "mention"), ("href", entity.get_absolute_url())))
        )
    return spans


def article_reading(
    published: PublishedArticle, *, pinyin: bool = False, images: ShownImages | None = None
) -> list[ReaderSection]:
    """Return the version's sections ready to render, in a fixed number of queries."""
    images = version_images(published) if images is None else images
    paragraphs = published.paragraphs
    annotations = published.notes_by_paragraph()
    mentions = published_mentions(published)
    charts = charts_for_paragraphs(paragraphs)

    number = 0
    result = []
    for section in published.sections:
        rendered = []
        for paragraph in section.published_paragraphs:
            notes = []
            for annotation in annotations.get(paragraph.pk, []):
                if annotation.orphaned:
                    continue
                number += 1
                notes.append(ReaderNote(number, f"note-{number}", annotation, render_note(annotation.body)))
            spans, markers = _annotation_spans(paragraph, notes)
            spans += _mention_spans(paragraph, mentions.get(paragraph.pk, []))
            html = render_paragraph(paragraph.text, spans, markers=markers, pinyin=pinyin)
            is_image = paragraph.kind == Paragraph.Kind.IMAGE
            shown = images.picture(paragraph.image_id, "inline") if is_image else None
            rendered.append(ReaderParagraph(paragraph, html, notes, charts.get(paragraph.anchor), shown))
        heading = render_paragraph(section.heading, pinyin=pinyin) if section.heading else ""
        result.append(ReaderSection(section.anchor, heading, rendered))
    return result
