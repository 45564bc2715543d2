"""Published versions: what an editor approved, frozen, and read back for every public surface.

Editing an article changes its working copy (the `Article` row, its sections, paragraphs, annotations and
mentions). Readers see its live version, an `ArticleVersion` written here when an editor publishes:

    article_publish_version(article, user=…, comment=…) -> ArticleVersion   # freeze the working copy
    article_content(article) -> dict                    # the working copy as a version would hold it
    published_article(version) -> PublishedArticle      # a version read back, as pages and the API use it
    live_content(version) -> dict                       # its content less what was withdrawn since
    version_withdraw(article_id, notes=…, mentions=…)   # take a note or a mention back at once
    publish_missing_versions() -> int                   # after loading a fixture of published articles

A version's `content` holds the article's fields, its sections and paragraphs with their ids and anchors,
its public notes and, from every receiver of `version_composing` (landscape adds the confirmed mentions
with the entities' names), whatever else the article page shows. Reading a version back filters what was
withdrawn since: a note made internal or deleted, a mention rejected or deleted, an entity unpublished
(`landscape.publication`), so a withdrawal takes effect at once while additions wait for the next publish.
What was withdrawn stays withdrawn (`ArticleVersion.withdrawn`, written by `version_withdraw`): a note made
internal and then public again, or a mention rejected and confirmed again, returns only with a publish.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Annotation, Article, ArticleVersion, Paragraph, Section, Topic
from .services import article_slug_moved

FORMAT = 1

# Sent with `article` while a version is composed; each receiver returns a dict merged into the content.
version_composing = Signal()
# Sent with `version` once a version went live, e.g. to index it for search.
version_published = Signal()
# Sent with `version` when something it shows was taken back (`version_withdraw`).
version_withdrawn = Signal()

ARTICLE_FIELDS = ("title", "slug", "summary", "language", *Article.PROVENANCE_FIELDS)
NOTE_FIELDS = ("kind", "body", "exact", "prefix", "suffix", "start", "end", "orphaned")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _images_shown(lead_image: int | None, paragraphs: dict[int, list[dict]]) -> list[int]:
    shown = {p["image"] for items in paragraphs.values() for p in items if p["image"] is not None}
    return sorted(shown | ({lead_image} if lead_image is not None else set()))


def article_content(article: Article) -> dict:
    """Return the working copy of `article` as a version holds it, in a fixed number of queries."""
    sections = Section.objects.filter(article=article).order_by("position", "pk")
    paragraphs: dict[int, list[dict]] = {}
    for paragraph in Paragraph.objects.filter(section__article=article).order_by("position", "pk"):
        paragraphs.setdefault(paragraph.section_id, []).append(
            {
                "id": paragraph.pk,
                "anchor": paragraph.anchor,
                "position": paragraph.position,
                "kind": paragraph.kind,
                "text": paragraph.text,
                "image": paragraph.image_id,
            }
        )
    notes = Annotation.objects.public().filter(article=article).order_by("paragraph_id", "start", "pk")
    content = {
        "format": FORMAT,
        "article": {
            **{name: getattr(article, name) for name in ARTICLE_FIELDS},
            "publish_at": _when(article.publish_at),
        },
        "topics": sorted(article.topics.values_list("pk", flat=True)),
        # Which image each place shows is frozen here; the images themselves are read live.
        "lead_image": article.lead_image_id,
        "images": _images_shown(article.lead_image_id, paragraphs),
        "sections": [
            {
                "id": section.pk,
                "anchor": section.anchor,
                "position": section.position,
                "heading": section.heading,
                "paragraphs": paragraphs.get(section.pk, []),
            }
            for section in sections
        ],
        "notes": [
            {
                "id": note.pk,
                "uid": str(note.uid),
                "paragraph": note.paragraph_id,
                **{name: getattr(note, name) for name in NOTE_FIELDS},
                "created": _when(note.created_at),
                "modified": _when(note.updated_at),
            }
            for note in notes
        ],
    }
    for _receiver, extra in version_composing.send(sender=Article, article=article):
        content.update(extra or {})
    return content


@transaction.atomic
def article_publish_version(article: Article, *, user=None, comment: str = "") -> ArticleVersion:
    """Freeze the working copy of `article` as its live version; an earlier live slug keeps answering.

    The caller has checked that the user may publish (`articles.workflow`); this only writes.
    """
    # Serialises two publishes of one article, so each gets its own number.
    locked = Article.objects.select_for_update(of=("self",)).select_related("live_version").get(pk=article.pk)
    previous = locked.live_version
    content = article_content(locked)
    number = (ArticleVersion.objects.filter(article=locked).aggregate(Max("number"))["number__max"] or 0) + 1
    version = _version_of(locked, content, number)
    version.published_by = user if user is not None and user.is_authenticated else None
    version.comment = comment[:300]
    version.save()
    version.topics.set(content["topics"])
    version.images.set(content["images"])
    if previous is not None and previous.slug != version.slug:
        article_slug_moved(article=locked, old_slug=previous.slug, was_public=True)
    locked.live_version = version
    locked.save(update_fields=["live_version"])
    article.live_version = version
    version_published.send(sender=ArticleVersion, version=version)
    return version


def version_withdraw(article_id: int | None, *, notes=(), mentions=()) -> ArticleVersion | None:
    """Take notes (by uid) and mentions (by id) back from the live version of an article, at once.

    Only what the live version holds is recorded; return the version when that changed it. Readers stop
    seeing them at once; they return only when an editor publishes the article again.
    """
    asked = {"notes": {str(uid) for uid in notes}, "mentions": set(mentions)}
    if article_id is None or not any(asked.values()):
        return None
    live = ArticleVersion.objects.filter(live_for__pk=article_id)
    # Most calls concern what no live version holds (an internal note, an unpublished article): no lock.
    if not _withdrawable(live.only("content", "withdrawn").first(), asked):
        return None
    with transaction.atomic():
        version = live.select_for_update().first()
        added = _withdrawable(version, asked)
        if not added:
            return None
        version.withdrawn = {
            kind: sorted(set(version.withdrawn.get(kind, [])) | added[kind]) for kind in ("notes", "mentions")
        }
        version.save(update_fields=["withdrawn"])
    version_withdrawn.send(sender=ArticleVersion, version=version)
    return version


def live_content(version: ArticleVersion) -> dict:
    """Return a version's content less what was withdrawn since: what readers are shown of it now.

    Entities unpublished since are not taken out here: they are the landscape's state, not the version's.
    """
    withdrawn = version.withdrawn or {}
    if not any(withdrawn.values()):
        return version.content
    notes, mentions = set(withdrawn.get("notes", [])), set(withdrawn.get("mentions", []))
    content = version.content
    return {
        **content,
        "notes": [note for note in content.get("notes", []) if note["uid"] not in notes],
        "mentions": [item for item in content.get("mentions", []) if item.get("id") not in mentions],
    }


def _withdrawable(version: ArticleVersion | None, asked: dict[str, set]) -> dict[str, set] | None:
    """Return what of `asked` the version holds and has not withdrawn yet, or None if nothing."""
    if version is None:
        return None
    content = version.content
    held = {
        "notes": {item["uid"] for item in content.get("notes", [])},
        "mentions": {item.get("id") for item in content.get("mentions", [])} - {None},
    }
    added = {kind: (asked[kind] & held[kind]) - set(version.withdrawn.get(kind, [])) for kind in held}
    return added if any(added.values()) else None


def publish_missing_versions(*, comment: str = "Published as loaded") -> int:
    """Give every published or scheduled article without a live version one, as `loaddata` leaves them.

    Such an article was published before versions existed, or loaded from a fixture: its status says an
    editor published it, so its working copy is what they published. Run after every `migrate`
    (`publish_missing_after_migrate`) and by `manage.py publish_missing_versions`.
    """
    missing = Article.objects.filter(
        status__in=Article.PUBLIC_STATUSES, publish_at__isnull=False, live_version__isnull=True
    )
    count = 0
    for article in missing.order_by("pk"):
        article_publish_version(article, comment=comment)
        count += 1
    return count


def publish_missing_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if sender.label == "articles" and using == DEFAULT_DB_ALIAS:
        publish_missing_versions()


@dataclass
class PublishedArticle:
    """A version read back: unsaved model instances holding what was published, minus what was withdrawn.

    `article` carries the frozen fields, with `updated_at` the time the version went live; each section's
    paragraphs are in `section.published_paragraphs`; `notes` are the public notes still public now;
    `content` is the version's content less what was withdrawn since (`live_content`).
    """

    version: ArticleVersion
    article: Article
    sections: list[Section]
    topics: list[Topic]
    notes: list[Annotation]
    content: dict = field(repr=False)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for section in self.sections for p in section.published_paragraphs]

    def notes_by_paragraph(self) -> dict[int | None, list[Annotation]]:
        found: dict[int | None, list[Annotation]] = {}
        for note in self.notes:
            found.setdefault(note.paragraph_id, []).append(note)
        return found


def _datetime(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def working_version(article: Article) -> ArticleVersion:
    """Return the working copy of `article` as the version publishing it now would make, unsaved.

    Previews render it with the renderer of live pages, so an editor sees exactly what readers would.
    """
    content = article_content(article)
    live = ArticleVersion.objects.filter(live_for=article).values_list("number", flat=True).first()
    return _version_of(article, content, (live or 0) + 1)


def _version_of(article: Article, content: dict, number: int) -> ArticleVersion:
    """Return the unsaved version numbered `number` holding `content`, its columns from the article."""
    return ArticleVersion(
        article=article,
        number=number,
        title=article.title,
        slug=article.slug,
        summary=article.summary,
        language=article.language,
        author=article.author,
        original_source=article.original_source,
        publish_at=article.publish_at or timezone.now(),
        lead_image_id=content.get("lead_image"),
        content=content,
        published_at=timezone.now(),
    )


def published_article(version: ArticleVersion) -> PublishedArticle:
    """Read a version back for a page or the API: two queries (its topics, which notes are still public).

    A version not saved (`working_version`) reads the same way: that is what a preview shows.
    """
    content = live_content(version)
    fields = content["article"]
    article = Article(
        pk=version.article_id,
        **{name: fields.get(name, "") for name in ARTICLE_FIELDS},
        status=Article.Status.PUBLISHED,
        publish_at=version.publish_at,
        updated_at=version.published_at,
        edited_at=version.published_at,
        live_version=version,
        lead_image_id=content.get("lead_image"),
    )
    paragraphs: dict[int, Paragraph] = {}
    sections = []
    for item in content["sections"]:
        section = Section(
            pk=item["id"],
            article=article,
            anchor=item["anchor"],
            position=item["position"],
            heading=item["heading"],
        )
        section.published_paragraphs = []
        for p in item["paragraphs"]:
            paragraph = Paragraph(
                pk=p["id"],
                section=section,
                anchor=p["anchor"],
                position=p["position"],
                kind=p["kind"],
                text=p["text"],
                image_id=p.get("image"),
            )
            paragraphs[paragraph.pk] = paragraph
            section.published_paragraphs.append(paragraph)
        sections.append(section)
    published_notes = content.get("notes", [])
    still_public = (
        set(
            Annotation.objects.public()
            .filter(uid__in=[note["uid"] for note in published_notes])
            .values_list("uid", flat=True)
        )
        if published_notes
        else set()
    )
    notes = []
    for item in published_notes:
        uid = uuid.UUID(item["uid"])
        if uid not in still_public:
            continue
        note = Annotation(
            pk=item["id"],
            uid=uid,
            article=article,
            visibility=Annotation.Visibility.PUBLIC,
            **{name: item[name] for name in NOTE_FIELDS},
            created_at=_datetime(item["created"]),
            updated_at=_datetime(item["modified"]),
        )
        paragraph = paragraphs.get(item["paragraph"])
        note.paragraph = paragraph
        if paragraph is None:
            note.paragraph_id = None
        notes.append(note)
    return PublishedArticle(
        version=version,
        article=article,
        sections=sections,
        topics=list(Topic.objects.filter(pk__in=content.get("topics", []))),
        notes=notes,
        content=content,
    )


def article_touched(article_id: int | None) -> None:
    """Note that the working copy of an article changed: its text, a note or a mention."""
    if article_id is not None:
        Article.objects.filter(pk=article_id).update(edited_at=timezone.now())


@receiver(post_save, sender=Section, dispatch_uid="publication_section_saved")
@receiver(post_delete, sender=Section, dispatch_uid="publication_section_deleted")
@receiver(post_save, sender=Annotation, dispatch_uid="publication_annotation_saved")
@receiver(post_delete, sender=Annotation, dispatch_uid="publication_annotation_deleted")
def _article_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        article_touched(instance.article_id)


@receiver(post_save, sender=Annotation, dispatch_uid="publication_note_withdrawn_on_save")
def _note_saved(sender, instance, raw=False, **kwargs):
    # A public note made internal leaves the live version for good: making it public again is a change
    # that waits for the next publish, like any other.
    if not raw and instance.visibility != Annotation.Visibility.PUBLIC:
        version_withdraw(instance.article_id, notes=[instance.uid])


@receiver(post_delete, sender=Annotation, dispatch_uid="publication_note_withdrawn_on_delete")
def _note_deleted(sender, instance, **kwargs):
    version_withdraw(instance.article_id, notes=[instance.uid])


@receiver(post_save, sender=Paragraph, dispatch_uid="publication_paragraph_saved")
@receiver(post_delete, sender=Paragraph, dispatch_uid="publication_paragraph_deleted")
def _paragraph_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if Paragraph.section.is_cached(instance) and instance.section is not None:
        article_touched(instance.section.article_id)
    else:
        article_touched(
            Section.objects.filter(pk=instance.section_id).values_list("article_id", flat=True).first()
        )
