"""What changed between two saved versions of an article: the diff engine and the compare view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from django.contrib.admin.utils import quote
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from reversion.models import Version

from ..models import Article, Paragraph, Section, Topic
from .forms import ArticleAdminForm

# Every field an editor sets on the change form; the raw text and its report are the ingest's record.
COMPARED_FIELDS = [
    name for name in ArticleAdminForm._meta.fields if name not in ("raw_text", "ingest_report")
]
_LABELS = {"publish_at": "Publish time"}


def _label(name: str) -> str:
    return _LABELS.get(name) or capfirst(Article._meta.get_field(name).verbose_name)


def inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Return old and new with removed characters in <del> and added ones in <ins>."""
    before, after = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            before.append(format_html("{}", old[i1:i2]))
            after.append(format_html("{}", new[j1:j2]))
            continue
        if i2 > i1:
            before.append(format_html("<del>{}</del>", old[i1:i2]))
        if j2 > j1:
            after.append(format_html("<ins>{}</ins>", new[j1:j2]))
    return mark_safe("".join(before)), mark_safe("".join(after))


@dataclass
class Snapshot:
    fields: dict
    # (anchor, heading of its section, kind, text) in reading order
    paragraphs: list[tuple[str, str, str, str]]


def snapshot(version: Version, article_pk: int) -> Snapshot:
    """Rebuild an article's text as it was saved in one version."""
    fields = version.field_dict
    sections, paragraphs = {}, []
    for other in version.revision.version_set.all():
        model = other._model
        if model is Section:
            data = other.field_dict
            if data.get("article_id") == article_pk:
                sections[data["id"]] = data
        elif model is Paragraph:
            paragraphs.append(other.field_dict)
    ordered = sorted(
        (p for p in paragraphs if p.get("section_id") in sections),
        key=lambda p: (sections[p["section_id"]]["position"], p["section_id"], p["position"], p["id"]),
    )
    return Snapshot(
        fields=fields,
        paragraphs=[
            (p["anchor"], sections[p["section_id"]]["heading"], p["kind"], p["text"]) for p in ordered
        ],
    )


def _display(name: str, value) -> str:
    if value is None:
        return ""
    if name == "topics":
        return "、".join(Topic.objects.filter(pk__in=value).order_by("name").values_list("name", flat=True))
    if name == "status":
        return Article.Status(value).label if value in Article.Status.values else str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def compare_snapshots(old: Snapshot, new: Snapshot) -> dict:
    """Return the rows of the comparison table between two snapshots."""
    field_rows = []
    for name in COMPARED_FIELDS:
        before, after = _display(name, old.fields.get(name)), _display(name, new.fields.get(name))
        left, right = inline_diff(before, after)
        field_rows.append({"label": _label(name), "old": left, "new": right, "changed": before != after})
    old_anchors = [p[0] for p in old.paragraphs]
    new_anchors = [p[0] for p in new.paragraphs]
    rows, unchanged = [], 0
    matcher = SequenceMatcher(None, old_anchors, new_anchors, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for (anchor, old_heading, _, old_text), (_, new_heading, _, new_text) in zip(
                old.paragraphs[i1:i2], new.paragraphs[j1:j2], strict=True
            ):
                if old_text == new_text and old_heading == new_heading:
                    unchanged += 1
                    continue
                left, right = inline_diff(old_text, new_text)
                heading = new_heading if old_heading == new_heading else f"{old_heading} → {new_heading}"
                rows.append(
                    {"anchor": anchor, "state": "changed", "heading": heading, "old": left, "new": right}
                )
            continue
        for anchor, heading, _, text in old.paragraphs[i1:i2]:
            rows.append(
                {
                    "anchor": anchor,
                    "state": "removed",
                    "heading": heading,
                    "old": format_html("<del>{}</del>", text),
                }
            )
        for anchor, heading, _, text in new.paragraphs[j1:j2]:
            rows.append(
                {
                    "anchor": anchor,
                    "state": "added",
                    "heading": heading,
                    "new": format_html("<ins>{}</ins>", text),
                }
            )
    return {"field_rows": field_rows, "paragraph_rows": rows, "unchanged": unchanged}


class CompareViewMixin:
    """The ``<id>/compare/?from=<version>&to=<version>`` view of ArticleAdmin."""

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = list(
            Version.objects.get_for_object(article)
            .select_related("revision", "revision__user")
            .order_by("-pk")
        )
        context = {**self._context(request, article, "Compare versions"), "versions": versions}
        if len(versions) < 2:
            context["too_few"] = True
            return TemplateResponse(request, "admin/articles/article/compare.html", context)
        by_pk = {str(v.pk): v for v in versions}
        older = by_pk.get(request.GET.get("from", ""), versions[1])
        newer = by_pk.get(request.GET.get("to", ""), versions[0])
        if (request.GET.get("from") and request.GET["from"] not in by_pk) or (
            request.GET.get("to") and request.GET["to"] not in by_pk
        ):
            raise Http404("That version does not belong to this article.")
        context.update(
            older=older,
            newer=newer,
            restore_url=reverse("admin:articles_article_revision", args=[quote(article.pk), older.pk]),
            **compare_snapshots(snapshot(older, article.pk), snapshot(newer, article.pk)),
        )
        return TemplateResponse(request, "admin/articles/article/compare.html", context)


def content_snapshot(content: dict) -> Snapshot:
    """Rebuild a snapshot from a published version's content (`articles.publication`)."""
    fields = {
        **content["article"],
        "topics": content.get("topics", []),
        "lead_image": content.get("lead_image"),
    }
    publish_at = fields.get("publish_at")
    fields["publish_at"] = datetime.fromisoformat(publish_at) if publish_at else None
    paragraphs = [
        (p["anchor"], section["heading"], p["kind"], p["text"])
        for section in content["sections"]
        for p in section["paragraphs"]
    ]
    return Snapshot(fields=fields, paragraphs=paragraphs)


def _anchors_by_id(content: dict) -> dict[int, str]:
    return {p["id"]: p["anchor"] for section in content["sections"] for p in section["paragraphs"]}


def compare_contents(old: dict, new: dict) -> dict:
    """Return the rows comparing two versions' contents: fields, paragraphs, public notes, mentions."""
    rows = compare_snapshots(content_snapshot(old), content_snapshot(new))
    old_notes = {note["uid"]: note for note in old.get("notes", [])}
    new_notes = {note["uid"]: note for note in new.get("notes", [])}
    old_anchors, new_anchors = _anchors_by_id(old), _anchors_by_id(new)
    note_rows = []
    for uid in [*old_notes, *(uid for uid in new_notes if uid not in old_notes)]:
        before, after = old_notes.get(uid), new_notes.get(uid)
        if before and after and before["body"] == after["body"] and before["exact"] == after["exact"]:
            continue
        state = "removed" if after is None else "added" if before is None else "changed"
        left, right = inline_diff(before["body"] if before else "", after["body"] if after else "")
        note = after or before
        anchors = new_anchors if after else old_anchors
        note_rows.append(
            {
                "state": state,
                "kind": note["kind"],
                "anchor": anchors.get(note["paragraph"], ""),
                "exact": note["exact"],
                "old": left,
                "new": right,
            }
        )

    def mentions(content, anchors):
        return {
            (anchors.get(m["paragraph"], ""), m["start"], m["text"], m["type"], m["entity"]): m
            for m in content.get("mentions", [])
        }

    old_mentions, new_mentions = mentions(old, old_anchors), mentions(new, new_anchors)
    mention_rows = [
        {"state": "removed", "anchor": key[0], "text": key[2], "name": m["name_zh"] or m["name_en"]}
        for key, m in old_mentions.items()
        if key not in new_mentions
    ] + [
        {"state": "added", "anchor": key[0], "text": key[2], "name": m["name_zh"] or m["name_en"]}
        for key, m in new_mentions.items()
        if key not in old_mentions
    ]
    changed = any(row["changed"] for row in rows["field_rows"]) or rows["paragraph_rows"]
    return {
        **rows,
        "note_rows": note_rows,
        "mention_rows": mention_rows,
        "any_change": bool(changed or note_rows or mention_rows),
    }
