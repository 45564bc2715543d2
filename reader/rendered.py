"""Render each live version once per surface and reader's choice, store it, and serve it as stored.

    stored_version(slug, choice) -> Found | None      # the live version and its current render: one query
    render_stored(version, choice, render, …) -> Stored   # render through the one renderer, then store
    fill(stored, request, slots) -> str               # the stored text with this request's own values

A surface (the article page, `reader.views`; its API document, `reader.api`) renders through its usual
renderer with a `StoredRequest`: a reader's GET with no cookie and no user, whose origin and address are
placeholders. The text is stored as rendered, with the placeholder of each slot (`slots`: each a function
of a request) and the front cache's tags of what it shows beside it; a request replaces each placeholder
with its own value (its origin, its "back to here" link), plain ASCII that neither HTML nor JSON escaping
nor script conversion changes, so the result is byte for byte what the renderer gives that request.
Serving decodes nothing but the small head: the text is read as one string. Pages are stored already in
the reader's script: conversion runs once, here.

A stored render is served while both hold:
- its `build` is the running code's (`renderer_build`): templates, code and libraries that render;
- its `fingerprint` equals the sum of the `changes` of the inputs its version depends on. What a version
  shows is frozen, except what is read live: what was withdrawn from it since, the publication and address
  of the companies and people it mentions, the names of its topics, the charted figures of its article,
  the images it shows (alt text, credit, crop, renditions). Each is a `RenderInput`; the receivers in
  `reader.signals` count a change on it when a save or delete changes what it gives (`WATCHED`), in the
  writer's transaction. A version's dependencies come from its content and are recorded before its
  fingerprint is read and its data rendered, so a change committed after the read counts on one of them
  and a render from older data is never served.

Whether the live version still exists and is public is asked in the same query (`ArticleVersion.objects.
live()`), so unpublishing and scheduling need nothing here; publishing makes a new version, which records
its dependencies, retires what was stored for the one before and renders what is served without a choice
(`PUBLISH_CHOICES`) once it commits. Previews never come here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, reduce
from importlib import metadata
from operator import or_
from pathlib import Path
from urllib.parse import unquote, urlencode

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Count,
    F,
    Model,
    OuterRef,
    PositiveBigIntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.http import HttpRequest, QueryDict
from django.templatetags.static import static
from django.urls import resolve
from django.utils import timezone

from articles.models import Article, ArticleVersion, Paragraph, Topic
from core.frontcache import record_tag_of
from core.prepared import PreparedQuery
from core.variants import HANT
from images.models import Image, Rendition
from landscape.models import Company, Figure, Person
from reader.models import RenderDependency, RenderInput, StoredRender

Surface = StoredRender.Surface
Kind = RenderInput.Kind
# A request's own values in a stored text: a slot name and how a request gives its value.
Slots = Mapping[str, Callable[[HttpRequest], str]]


@dataclass(frozen=True)
class Choice:
    """What a stored render is for: a surface, the script served (blank: as stored) and pinyin."""

    surface: str
    variant: str = ""
    pinyin: bool = False


# Rendered as soon as a version goes live: what a reader or client gets without asking for anything. The
# others (a pinyin page costs four times a plain one) are rendered on their first request.
PUBLISH_CHOICES = (Choice(Surface.PAGE, HANT), Choice(Surface.API))


def stores_renders() -> bool:
    """Tell whether pages and documents are served from the store (`READER_STORED_RENDERS`)."""
    return settings.READER_STORED_RENDERS


def request_origin(request: HttpRequest) -> str:
    """Return the scheme and host absolute addresses start with, as `build_absolute_uri` writes them."""
    return f"{request.scheme}://{request.get_host()}"


# --- Serving ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """A stored render as served: its text, the placeholder each slot has in it, and what it shows.

    `tags` are the front cache's tags of what it shows (`version_tags`), `digest` a digest of the text.
    """

    text: str
    placeholders: dict[str, str]
    tags: list[str]
    digest: str

    def pack(self) -> tuple[str, str]:
        """Return the head and the text as `StoredRender` keeps them."""
        head = {"slots": self.placeholders, "tags": self.tags, "digest": self.digest}
        return json.dumps(head, separators=(",", ":")), self.text

    @classmethod
    def unpack(cls, packed: str) -> Stored:
        """Read back what the serving query gives: the head, a newline and the text."""
        head, text = packed.split("\n", 1)
        found = json.loads(head)
        return cls(text, found["slots"], found["tags"], found["digest"])


@dataclass(frozen=True)
class Found:
    """A live version, and its stored render for the choice asked when one is current."""

    version_id: int
    stored: Stored | None


def _fingerprint(version) -> Coalesce:
    changes = (
        RenderDependency.objects.filter(version=version)
        .order_by()
        .values("version")
        .annotate(total=Sum("input__changes"))
        .values("total")
    )
    return Coalesce(Subquery(changes), 0, output_field=PositiveBigIntegerField())


def _stored_version_query(key: tuple[Choice, str], slug: str, now) -> QuerySet:
    choice, build = key
    current = StoredRender.objects.filter(
        version=OuterRef("pk"),
        surface=choice.surface,
        variant=choice.variant,
        pinyin=choice.pinyin,
        build=build,
        fingerprint=OuterRef("fingerprint"),
    ).order_by()
    # The head (which has no newline: JSON escapes it) and the text as one column: one subquery.
    packed = current.annotate(packed=Concat("head", Value("\n"), "text", output_field=TextField()))
    return (
        ArticleVersion.objects.live(now)
        .filter(slug=slug)
        .annotate(fingerprint=_fingerprint(OuterRef("pk")), stored=Subquery(packed.values("packed")[:1]))
        .values_list("pk", "stored")
        .order_by("pk")[:1]
    )


# Asked on every article page and document: built by the ORM once per choice, then only run.
_stored_version = PreparedQuery(_stored_version_query, slug=str, now=datetime)


def stored_version(slug: str, choice: Choice) -> Found | None:
    """Return the live version with this slug and its current stored render for `choice`, in one query."""
    row = _stored_version.first((choice, renderer_build()), slug=slug, now=timezone.now())
    if row is None:
        return None
    version_id, packed = row
    return Found(version_id, None if packed is None else Stored.unpack(packed))


def version_tags(article_id: int, topics: Iterable[int], mentions: Iterable[dict]) -> list[str]:
    """Return the front cache's tags of what a version's page and document show (`core.frontcache`).

    Its article, its topics, and every company and person it mentions: a change to any bans them.
    """
    tags = {record_tag_of(Article, article_id)} | {record_tag_of(Topic, pk) for pk in topics}
    tags |= {record_tag_of(_MENTIONED[item["type"]], item["entity"]) for item in mentions}
    return sorted(tags)


_MENTIONED = {"company": Company, "person": Person}


def fill(stored: Stored, request: HttpRequest, slots: Slots) -> str:
    """Return a stored text with the values of `request` in its slots."""
    text = stored.text
    for name, placeholder in stored.placeholders.items():
        text = text.replace(placeholder, slots[name](request))
    return text


def stored_etag(stored: Stored, request: HttpRequest, slots: Slots) -> str:
    """Return a strong ETag of what `fill` gives `request`, without reading the text again."""
    values = "\x00".join(f"{name}={slots[name](request)}" for name in sorted(stored.placeholders))
    return '"' + hashlib.md5(f"{stored.digest}\x00{values}".encode(), usedforsecurity=False).hexdigest() + '"'


# --- Rendering and storing -------------------------------------------------------------------------------


class StoredRequest(HttpRequest):
    """A reader's GET of a URL's `path` as every stored render sees it: no cookie, no user, placeholders.

    Its host and full path are placeholders unique to this render, so what a request puts in a page (its
    origin, its address) can be cut out of the text and filled in per request.
    """

    def __init__(self, path: str, query: Mapping[str, str]):
        super().__init__()
        self.method = "GET"
        self.path = self.path_info = unquote(path)  # as a server hands it to Django: decoded
        self.META["QUERY_STRING"] = urlencode(query)
        self.GET = QueryDict(self.META["QUERY_STRING"])
        self.resolver_match = resolve(self.path_info)
        self._host = f"stored-{secrets.token_hex(8)}.invalid"
        self._full_path = f"/stored-{secrets.token_hex(8)}/"

    @property
    def scheme(self) -> str:
        return "http"

    def get_host(self) -> str:
        return self._host

    def get_full_path(self, force_append_slash: bool = False) -> str:
        return self._full_path


def _placeholders(text: str, request: StoredRequest, slots: Slots) -> dict[str, str]:
    """Return the placeholder of each slot that `text` holds, by the slot's name."""
    placeholders = {name: value(request) for name, value in slots.items()}
    return {name: placeholder for name, placeholder in placeholders.items() if placeholder in text}


def render_stored(
    version: ArticleVersion,
    choice: Choice,
    render: Callable[[HttpRequest], str],
    *,
    path: str,
    query: Mapping[str, str],
    slots: Slots,
) -> Stored:
    """Render `version` for `choice` with `render` and store it; return what is stored.

    The dependencies are recorded (when publishing, or here for a version published before they were),
    then the fingerprint read, then the data rendered: that order is what keeps a render from data older
    than a change from being served after it.
    """
    fingerprint = _fingerprint_now(version)
    if fingerprint is None:
        version_dependencies_record(version)
        fingerprint = _fingerprint_now(version) or 0
    request = StoredRequest(path, query)
    text = render(request)
    placeholders = _placeholders(text, request, slots)
    # The digest of the text with each slot named, not its placeholder: the same text, the same digest.
    named = text
    for name, placeholder in placeholders.items():
        named = named.replace(placeholder, f"\x00{name}\x00")
    content = version.content
    stored = Stored(
        text,
        placeholders,
        version_tags(version.article_id, content.get("topics", []), content.get("mentions", [])),
        hashlib.md5(named.encode(), usedforsecurity=False).hexdigest(),
    )
    head, text = stored.pack()
    StoredRender.objects.bulk_create(
        [
            StoredRender(
                version=version,
                surface=choice.surface,
                variant=choice.variant,
                pinyin=choice.pinyin,
                build=renderer_build(),
                fingerprint=fingerprint,
                head=head,
                text=text,
            )
        ],
        update_conflicts=True,
        unique_fields=["version", "surface", "variant", "pinyin"],
        update_fields=["build", "fingerprint", "head", "text", "rendered_at"],
    )
    return stored


def _fingerprint_now(version: ArticleVersion) -> int | None:
    """Return the changes counted on the version's inputs, or None when none are recorded yet."""
    found = RenderDependency.objects.filter(version=version).aggregate(
        total=Sum("input__changes"), inputs=Count("pk")
    )
    return found["total"] if found["inputs"] else None


def stored_renders_retire(version: ArticleVersion) -> None:
    """Drop what is stored for the article's other versions: only its live version is ever served."""
    others = ArticleVersion.objects.filter(article_id=version.article_id).exclude(pk=version.pk)
    StoredRender.objects.filter(version__in=others).delete()
    RenderDependency.objects.filter(version__in=others).delete()


# The libraries whose output a stored render holds, beside the project's own code and templates.
_RENDERING_LIBRARIES = ("Django", "django-ninja", "pydantic", "opencc", "pypinyin", "Markdown", "nh3")
_RENDERING_APPS = ("core", "images", "articles", "landscape", "reader")
_STATIC_IN_PAGES = ("css/baimo.css", "css/landscape.css", "img/baimo-logo.svg")


@cache
def renderer_build() -> str:
    """Return a digest of what renders: the apps' code, the templates, libraries and static addresses.

    A deploy that changes any of them renders every page again on its first request; processes of one
    build share what they store.
    """
    digest = hashlib.sha256()
    roots = [Path(apps.get_app_config(label).path) for label in _RENDERING_APPS]
    roots += [Path(settings.BASE_DIR) / "config", Path(settings.BASE_DIR) / "templates"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(path.relative_to(settings.BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    for name in _RENDERING_LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}".encode())
    for name in _STATIC_IN_PAGES:
        digest.update(static(name).encode())
    digest.update(settings.TIME_ZONE.encode())
    return digest.hexdigest()[:32]


# --- Dependencies and changes ----------------------------------------------------------------------------


def version_inputs(version: ArticleVersion) -> set[tuple[str, int]]:
    """Return the inputs a version's renders read live, from what its content names."""
    content = version.content
    inputs = {(Kind.VERSION, version.pk), (Kind.FIGURES, version.article_id)}
    inputs |= {(Kind.TOPIC, pk) for pk in content.get("topics", [])}
    # Every mentioned entity, linked or not now: publishing one again brings its links back.
    inputs |= {(Kind(item["type"]), item["entity"]) for item in content.get("mentions", [])}
    # Every image it shows: its alt text, credit and renditions are read live.
    inputs |= {(Kind.IMAGE, pk) for pk in content.get("images", [])}
    return inputs


def version_dependencies_record(version: ArticleVersion) -> None:
    """Record the inputs the version's renders read, in three queries; recording again changes nothing."""
    inputs = version_inputs(version)
    RenderInput.objects.bulk_create(
        [RenderInput(kind=kind, object_id=pk) for kind, pk in inputs], ignore_conflicts=True
    )
    by_kind: dict[str, set[int]] = {}
    for kind, pk in inputs:
        by_kind.setdefault(kind, set()).add(pk)
    matching = reduce(or_, (Q(kind=kind, object_id__in=pks) for kind, pks in by_kind.items()))
    RenderDependency.objects.bulk_create(
        [
            RenderDependency(version=version, input_id=pk)
            for pk in RenderInput.objects.filter(matching).values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def inputs_changed(inputs: Iterable[tuple[str, int]]) -> None:
    """Count one change on each input, so that no render that read it before is served again.

    The row is made first when missing, then counted in the same transaction as the change, so a render
    recording its dependencies meanwhile can never miss the count.
    """
    by_kind: dict[str, set[int]] = {}
    for kind, pk in inputs:
        if pk is not None:
            by_kind.setdefault(kind, set()).add(pk)
    for kind, pks in by_kind.items():
        RenderInput.objects.bulk_create(
            [RenderInput(kind=kind, object_id=pk) for pk in pks], ignore_conflicts=True
        )
        RenderInput.objects.filter(kind=kind, object_id__in=pks).update(changes=F("changes") + 1)


@dataclass(frozen=True)
class Watched:
    """What stored renders read of a model: the fields that change what they show, and the inputs a row is.

    `inputs(instance, before, after)` gets the watched fields before and after a change (None for a row
    not there), and returns the inputs the change touches.
    """

    fields: tuple[str, ...]
    inputs: Callable[[Model, dict | None, dict | None], set[tuple[str, int]]]


def _itself(kind: str) -> Callable[[Model, dict | None, dict | None], set[tuple[str, int]]]:
    # A new row is in no version yet: only a change or a delete of one that was there counts.
    return lambda instance, before, after: {(kind, instance.pk)} if before is not None else set()


def _charted_articles(instance: Figure, before: dict | None, after: dict | None) -> set[tuple[str, int]]:
    # A figure is drawn when it has a chart group; one drawn before or after changes its article's charts.
    paragraphs = {state["paragraph_id"] for state in (before, after) if state and state["chart_group"]}
    if not paragraphs:
        return set()
    articles = Paragraph.objects.filter(pk__in=paragraphs).values_list("section__article_id", flat=True)
    return {(Kind.FIGURES, pk) for pk in articles}


def _rendered_image(instance: Rendition, before: dict | None, after: dict | None) -> set[tuple[str, int]]:
    # A rendition made, replaced or deleted changes the <picture> of every render showing its image.
    return {(Kind.IMAGE, state["image_id"]) for state in (before, after) if state}


# What a <picture> and the API say of an image: its words, its crop and the file it is cut from.
_IMAGE_FIELDS = ("alt_text", "decorative", "credit", "caption", "source_url", "licence", "title")
_IMAGE_FIELDS += ("focal_x", "focal_y", "file")

WATCHED: dict[type[Model], Watched] = {
    ArticleVersion: Watched(("withdrawn",), _itself(Kind.VERSION)),
    Company: Watched(("published", "slug"), _itself(Kind.COMPANY)),
    Person: Watched(("published", "slug"), _itself(Kind.PERSON)),
    Topic: Watched(("name", "slug"), _itself(Kind.TOPIC)),
    Figure: Watched(
        ("paragraph_id", "chart_group", "chart_label", "label", "value", "unit"), _charted_articles
    ),
    Image: Watched(_IMAGE_FIELDS, _itself(Kind.IMAGE)),
    Rendition: Watched(("image_id", "spec", "format", "width", "height", "file"), _rendered_image),
}
_BEFORE = "_stored_renders_before"


def _state(instance: Model, fields: tuple[str, ...]) -> dict:
    return {name: getattr(instance, name) for name in fields}


def watched_before_save(instance: Model, update_fields: Iterable[str] | None) -> None:
    """Remember the watched fields of the row as it is before the save, unless the save leaves them."""
    fields = WATCHED[type(instance)].fields
    if update_fields is not None and not {name.removesuffix("_id") for name in fields} & {
        name.removesuffix("_id") for name in update_fields
    }:
        before = _state(instance, fields)
    elif instance.pk is None:
        before = None
    else:
        row = type(instance)._base_manager.filter(pk=instance.pk).values(*fields).first()
        before = row
    instance.__dict__[_BEFORE] = before


def watched_saved(instance: Model) -> None:
    """Count a change on the inputs the save touched, if it changed a watched field."""
    watched = WATCHED[type(instance)]
    before = instance.__dict__.pop(_BEFORE, None)
    after = _state(instance, watched.fields)
    if before != after:
        inputs_changed(watched.inputs(instance, before, after))


def watched_deleted(instance: Model) -> None:
    """Count a change on the inputs a deleted row was."""
    watched = WATCHED[type(instance)]
    inputs_changed(watched.inputs(instance, _state(instance, watched.fields), None))
