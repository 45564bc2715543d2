"""Create, resolve and re-attach annotations; render their Markdown notes safely.

Annotations follow their text. Whenever a paragraph is saved (admin, services, the shell, a restored
revision) the services here re-place the paragraph's annotations with `articles.anchoring.reanchor`; the
signal receivers at the bottom of this module only call them:

- an annotation whose quote left its paragraph moves to the article's paragraph that now holds the
  exact quote (a paragraph split in two, or merged into another);
- one that cannot be placed anywhere is marked orphaned and keeps its last paragraph;
- one whose paragraph is deleted keeps its quote and note, loses the paragraph and is marked orphaned;
- a new or edited paragraph adopts the article's orphaned annotations whose quote it now holds.

No annotation is ever deleted by any of this.
"""

from __future__ import annotations

from dataclasses import dataclass

import markdown
import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.versioning import recorded_revision

from .anchoring import Selector, context_agreement, make_selector, reanchor
from .models import Annotation, Article, Paragraph, Section

NOTE_TAGS = {"p", "em", "strong", "a", "code", "ul", "ol", "li", "br"}
NOTE_ATTRIBUTES = {"a": {"href", "title"}}
NOTE_MAX_LENGTH = 10_000

# Moving to another paragraph needs more than the same words: a split or merge keeps at least this
# many characters of the quote's old neighbours, while a name that merely recurs elsewhere does not.
REHOME_CONTEXT = 4
# A quote this long is specific enough on its own.
REHOME_LONG_QUOTE = 12


def _note_markdown() -> markdown.Markdown:
    """Return a Markdown converter that treats HTML written in a note as text.

    A note may quote markup (an ingest warning says “before a closing </p>”): parsed as HTML, that
    closing tag would end the note's paragraph and vanish from the text.
    """
    converter = markdown.Markdown(output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


def render_note(body: str) -> SafeString:
    """Render an annotation's Markdown note as sanitised HTML safe for any page."""
    html = _note_markdown().convert(body or "")
    cleaned = nh3.clean(
        html,
        tags=NOTE_TAGS,
        attributes=NOTE_ATTRIBUTES,
        url_schemes={"http", "https"},
        url_relative="deny",
        link_rel="nofollow noopener noreferrer",
    )
    # nh3 has just removed every tag, attribute and URL outside the subset.
    return mark_safe(cleaned)


def _apply(annotation: Annotation, selector: Selector) -> None:
    annotation.exact = selector.exact
    annotation.prefix = selector.prefix
    annotation.suffix = selector.suffix
    annotation.start = selector.start
    annotation.end = selector.end


def _selector_of(annotation: Annotation) -> Selector:
    return Selector(
        exact=annotation.exact,
        prefix=annotation.prefix,
        suffix=annotation.suffix,
        start=annotation.start,
        end=annotation.end,
    )


def annotation_create(
    *,
    paragraph: Paragraph,
    start: int,
    end: int,
    kind: str,
    visibility: str,
    body: str,
    created_by=None,
) -> Annotation:
    """Annotate paragraph.text[start:end] (code points) and record the revision."""
    if created_by is not None and not created_by.has_perm("articles.add_annotation"):
        raise PermissionDenied("You may not annotate articles.")
    errors = {}
    if kind not in Annotation.Kind.values:
        errors["kind"] = f"Unknown kind {kind!r}."
    if visibility not in Annotation.Visibility.values:
        errors["visibility"] = f"Unknown visibility {visibility!r}."
    if not (body or "").strip():
        errors["body"] = "Write a note."
    elif len(body) > NOTE_MAX_LENGTH:
        errors["body"] = f"Keep the note under {NOTE_MAX_LENGTH} characters."
    if not (0 <= start < end <= len(paragraph.text)):
        errors["start"] = (
            f"The selection {start}–{end} is not a span of this paragraph ({len(paragraph.text)} characters)."
        )
    if errors:
        raise ValidationError(errors)
    selector = make_selector(paragraph.text, start, end)
    with transaction.atomic(), recorded_revision(created_by, f"Annotated “{selector.exact[:40]}”"):
        annotation = Annotation(
            article_id=paragraph.section.article_id,
            paragraph=paragraph,
            kind=kind,
            visibility=visibility,
            body=body.strip(),
            created_by=created_by,
        )
        _apply(annotation, selector)
        annotation.full_clean()
        annotation.save()
    return annotation


def annotation_resolve(*, annotation: Annotation, user) -> Annotation:
    """Mark an annotation resolved by user, now."""
    if not user.has_perm("articles.change_annotation"):
        raise PermissionDenied("You may not resolve annotations.")
    if annotation.status == Annotation.Status.RESOLVED:
        return annotation
    with transaction.atomic(), recorded_revision(user, f"Resolved {annotation}"):
        annotation.status = Annotation.Status.RESOLVED
        annotation.resolved_by = user
        annotation.resolved_at = timezone.now()
        annotation.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])
    return annotation


def annotation_reopen(*, annotation: Annotation, user) -> Annotation:
    """Open a resolved annotation again."""
    if not user.has_perm("articles.change_annotation"):
        raise PermissionDenied("You may not reopen annotations.")
    if annotation.status == Annotation.Status.OPEN:
        return annotation
    with transaction.atomic(), recorded_revision(user, f"Reopened {annotation}"):
        annotation.status = Annotation.Status.OPEN
        annotation.resolved_by = None
        annotation.resolved_at = None
        annotation.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])
    return annotation


def annotation_place(*, annotation: Annotation, paragraph: Paragraph, start: int, end: int) -> None:
    """Anchor an annotation to paragraph.text[start:end] (code points); the caller saves it.

    For an editor re-attaching an annotation by hand (the annotation change form saves it).
    """
    _apply(annotation, make_selector(paragraph.text, start, end))
    annotation.paragraph = paragraph
    annotation.article_id = paragraph.section.article_id
    annotation.orphaned = False


@dataclass
class ReattachResult:
    kept: int = 0
    moved: int = 0
    rehomed: int = 0
    orphaned: int = 0
    adopted: int = 0


_SELECTOR_FIELDS = ["exact", "prefix", "suffix", "start", "end"]


def _save_placement(annotation: Annotation, fields: list[str]) -> None:
    annotation.save(update_fields=[*fields, "updated_at"])


def _article_paragraphs(article_id: int) -> list[Paragraph]:
    """Return the article's paragraphs in reading order."""
    return list(
        Paragraph.objects.filter(section__article_id=article_id).order_by(
            "section__position", "section_id", "position", "pk"
        )
    )


def _by_nearness(paragraphs: list[Paragraph], around: int | None, skip=frozenset()) -> list[Paragraph]:
    """Order the paragraphs by reading-order distance from paragraph `around`, the next ones first."""
    index = next((i for i, p in enumerate(paragraphs) if p.pk == around), 0)
    ranked = [
        (abs(i - index), i < index, p)
        for i, p in enumerate(paragraphs)
        if p.pk != around and p.pk not in skip
    ]
    return [p for *_, p in sorted(ranked, key=lambda item: item[:2])]


def _place_elsewhere(annotation: Annotation, candidates: list[Paragraph]) -> bool:
    """Move the annotation to the first candidate holding its exact quote in its old context.

    Only the exact quote moves an annotation to another paragraph (approximate matches across
    paragraphs would attach notes to text that merely looks alike), and only where some of its old
    prefix or suffix came along, unless the quote is long enough to be unmistakable.
    """
    if not annotation.exact:
        return False
    old = _selector_of(annotation)
    needed = min(REHOME_CONTEXT, len(old.prefix) + len(old.suffix))
    for other in candidates:
        if annotation.exact not in other.text:
            continue
        selector = reanchor(old, other.text)
        if selector is None or selector.exact != annotation.exact:
            continue
        agreed = context_agreement(old, other.text, selector.start, selector.end)
        if agreed < needed and len(old.exact) < REHOME_LONG_QUOTE:
            continue
        _apply(annotation, selector)
        annotation.paragraph = other
        annotation.orphaned = False
        _save_placement(annotation, [*_SELECTOR_FIELDS, "paragraph", "orphaned"])
        return True
    return False


def _orphan(annotation: Annotation, *, lose_paragraph: bool = False) -> None:
    fields = []
    if not annotation.orphaned:
        annotation.orphaned = True
        fields.append("orphaned")
    if lose_paragraph and annotation.paragraph_id is not None:
        annotation.paragraph = None
        fields.append("paragraph")
    if fields:
        _save_placement(annotation, fields)


def _reattach_one(annotation: Annotation, paragraph: Paragraph, reading_order: list[Paragraph]) -> str:
    """Re-place one annotation of `paragraph`; return which ReattachResult counter it adds to."""
    selector = reanchor(_selector_of(annotation), paragraph.text)
    if selector is not None:
        if selector == _selector_of(annotation) and not annotation.orphaned:
            return "kept"
        _apply(annotation, selector)
        annotation.orphaned = False
        _save_placement(annotation, [*_SELECTOR_FIELDS, "orphaned"])
        return "moved"
    if _place_elsewhere(annotation, _by_nearness(reading_order, paragraph.pk)):
        return "rehomed"
    _orphan(annotation)
    return "orphaned"


def _count(result: ReattachResult, outcome: str) -> None:
    setattr(result, outcome, getattr(result, outcome) + 1)


def annotations_reattach(*, paragraph: Paragraph) -> ReattachResult:
    """Re-place the paragraph's annotations after its text changed, and adopt the orphans it now holds."""
    result = ReattachResult()
    if Paragraph.section.is_cached(paragraph) and paragraph.section.pk == paragraph.section_id:
        article_id = paragraph.section.article_id  # saves a query per paragraph when ingest creates many
    else:
        article_id = (
            Paragraph.objects.filter(pk=paragraph.pk).values_list("section__article_id", flat=True).first()
        )
    if article_id is None:
        return result
    with transaction.atomic():
        own = list(paragraph.annotations.all())
        if own:
            reading_order = _article_paragraphs(article_id)
            for annotation in own:
                _count(result, _reattach_one(annotation, paragraph, reading_order))
        orphans = (
            Annotation.objects.filter(article_id=article_id, orphaned=True)
            .exclude(paragraph=paragraph)
            .exclude(exact="")
        )
        for annotation in orphans:
            if annotation.exact in paragraph.text and _place_elsewhere(annotation, [paragraph]):
                result.adopted += 1
    return result


def annotations_reattach_article(*, article: Article) -> ReattachResult:
    """Check every annotation of the article against its paragraph and re-home the orphans."""
    result = ReattachResult()
    with transaction.atomic():
        reading_order = _article_paragraphs(article.pk)
        by_pk = {p.pk: p for p in reading_order}
        for annotation in Annotation.objects.filter(article=article).order_by("pk"):
            paragraph = by_pk.get(annotation.paragraph_id)
            if paragraph is not None:
                _count(result, _reattach_one(annotation, paragraph, reading_order))
            elif _place_elsewhere(annotation, reading_order):
                result.adopted += 1
            else:
                # Without a paragraph of this article (deleted, or moved to another article) it is lost.
                _orphan(annotation, lose_paragraph=True)
                result.orphaned += 1
    return result


def paragraphs_deleted_with(paragraph: Paragraph, origin) -> set[int] | None:
    """Return the pks of the paragraphs deleted along with this one, or None when all of them go."""
    if isinstance(origin, Paragraph):
        return {origin.pk, paragraph.pk}
    if isinstance(origin, Section):
        return set(origin.paragraphs.values_list("pk", flat=True)) | {paragraph.pk}
    if isinstance(origin, QuerySet) and origin.model is Paragraph:
        return set(origin.values_list("pk", flat=True)) | {paragraph.pk}
    if isinstance(origin, QuerySet) and origin.model is Section:
        return set(Paragraph.objects.filter(section__in=origin).values_list("pk", flat=True)) | {paragraph.pk}
    return None


def annotations_detach(*, paragraph: Paragraph, origin=None) -> int:
    """Before a paragraph is deleted, move its annotations to a paragraph holding the quote, or orphan them.

    `origin` is what the deletion started from (the pre_delete signal's origin), so that annotations
    are not moved to paragraphs deleted in the same operation. Return how many were orphaned.
    """
    annotations = list(Annotation.objects.filter(paragraph_id=paragraph.pk))
    if not annotations:
        return 0
    doomed = paragraphs_deleted_with(paragraph, origin if origin is not None else paragraph)
    candidates = []
    if doomed is not None:
        candidates = _by_nearness(_article_paragraphs(annotations[0].article_id), paragraph.pk, doomed)
    orphaned = 0
    for annotation in annotations:
        if _place_elsewhere(annotation, candidates):
            continue
        # The delete itself clears the paragraph (SET_NULL); the flag tells editors why it is gone.
        _orphan(annotation)
        orphaned += 1
    return orphaned


def annotations_remember_text(*, paragraph: Paragraph) -> None:
    """Remember the paragraph's stored text before it is saved, for `annotations_follow_text` to compare."""
    paragraph._text_before_save = (
        Paragraph.objects.filter(pk=paragraph.pk).values_list("text", flat=True).first()
        if paragraph.pk is not None
        else None
    )


def text_before_save(paragraph: Paragraph, default=None):
    """Return the paragraph's stored text as it was before the save in progress (`default` if unknown)."""
    return getattr(paragraph, "_text_before_save", default)


def annotations_follow_text(*, paragraph: Paragraph, created: bool = False) -> ReattachResult:
    """Re-place the annotations of a paragraph just saved, if it is new or its text changed."""
    if created or text_before_save(paragraph) != paragraph.text:
        return annotations_reattach(paragraph=paragraph)
    return ReattachResult()


# Signal receivers, each a call into the services above. Raw saves (loaddata, a revision being restored)
# are skipped: fixtures are already consistent, and a restore re-checks the whole article when it is done
# (`reattach_restored_text` in articles/versioning.py).


@receiver(pre_save, sender=Paragraph, dispatch_uid="annotations_remember_old_text")
def _remember_old_text(sender, instance: Paragraph, raw=False, **kwargs):
    if not raw:
        annotations_remember_text(paragraph=instance)


@receiver(post_save, sender=Paragraph, dispatch_uid="annotations_follow_text")
def _follow_text(sender, instance: Paragraph, created=False, raw=False, **kwargs):
    if not raw:
        annotations_follow_text(paragraph=instance, created=created)


@receiver(pre_delete, sender=Paragraph, dispatch_uid="annotations_survive_paragraph_delete")
def _survive_delete(sender, instance: Paragraph, origin=None, **kwargs):
    annotations_detach(paragraph=instance, origin=origin)
