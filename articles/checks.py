"""The pre-publish check: what still needs an editor before an article (or its changes) goes live.

    prepublish_findings(article) -> list[Finding]

Each finding says what and how many, with a link target in the admin where it is fixed. Other apps add
their own through `prepublish_checking` (landscape: mentions needing review). Publishing anyway is an
editor's decision: the admin asks for an explicit confirmation and the history records what was
acknowledged (`articles.workflow.article_publish(acknowledged=…)`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.dispatch import Signal

from images.models import Image

from .models import Annotation, Article, Paragraph

# Sent with `article`; each receiver returns a list of Finding.
prepublish_checking = Signal()


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        return self.message


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def open_todos(article_or_queryset=None):
    """The annotations that are to-dos: internal and open (ingest warnings, editors' notes to each other).

    A public note is for readers, never a to-do, whatever its status says.
    """
    todos = Annotation.objects.filter(
        visibility=Annotation.Visibility.INTERNAL, status=Annotation.Status.OPEN
    )
    return todos if article_or_queryset is None else todos.filter(article=article_or_queryset)


def _images_to_finish(article: Article) -> tuple[int, int]:
    """Return how many image paragraphs await their file, and how many images readers would not be shown.

    One query: the image paragraphs and the lead image, each with whether `Image.objects.presentable()`
    holds it (an image without alt text, not decorative, is never shown).
    """

    def shown(field: str) -> Exists:
        return Exists(Image.objects.presentable().filter(pk=OuterRef(field)))

    placed = (
        Paragraph.objects.filter(section__article=article, kind=Paragraph.Kind.IMAGE)
        .annotate(shown=shown("image_id"))
        .values_list("image_id", "shown")
        .order_by()
    )
    lead = (
        Article.objects.filter(pk=article.pk, lead_image__isnull=False)
        .annotate(shown=shown("lead_image_id"))
        .values_list("lead_image_id", "shown")
        .order_by()
    )
    rows = list(placed.union(lead, all=True).order_by())
    awaiting = sum(1 for image, _ in rows if image is None)
    return awaiting, len({image for image, ok in rows if image is not None and not ok})


def prepublish_findings(article: Article) -> list[Finding]:
    """Return what the article still needs before it is published, in a fixed number of queries."""
    findings = []
    todos = open_todos(article)
    warnings = todos.filter(kind=Annotation.Kind.INGEST_WARNING).count()
    if warnings:
        findings.append(
            Finding(
                "ingest-warnings", _plural(warnings, "open ingest warning", "open ingest warnings"), warnings
            )
        )
    others = todos.exclude(kind=Annotation.Kind.INGEST_WARNING).count()
    if others:
        findings.append(
            Finding("open-notes", _plural(others, "open internal note", "open internal notes"), others)
        )
    orphaned = Annotation.objects.filter(article=article, orphaned=True).count()
    if orphaned:
        findings.append(
            Finding(
                "orphaned-notes",
                _plural(
                    orphaned, "note whose text is gone (orphaned)", "notes whose text is gone (orphaned)"
                ),
                orphaned,
            )
        )
    if not article.summary.strip():
        findings.append(Finding("no-summary", "no summary: lists, feeds and search engines show none"))
    if not article.slug:
        findings.append(Finding("no-slug", "no slug: the article has no address"))
    awaiting, unpresentable = _images_to_finish(article)
    if awaiting:
        findings.append(
            Finding(
                "images-awaiting-file",
                _plural(
                    awaiting,
                    "image paragraph awaiting its file (readers see its caption alone)",
                    "image paragraphs awaiting their files (readers see their captions alone)",
                ),
                awaiting,
            )
        )
    if unpresentable:
        findings.append(
            Finding(
                "images-without-alt",
                _plural(
                    unpresentable,
                    "image without alt text (readers see it once it has some or is marked decorative)",
                    "images without alt text (readers see them once they have some or are marked decorative)",
                ),
                unpresentable,
            )
        )
    for _receiver, extra in prepublish_checking.send(sender=Article, article=article):
        findings.extend(extra or [])
    return findings
