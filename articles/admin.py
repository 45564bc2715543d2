"""The editors' admin: articles with their text, annotations, workflow, revision history and ingest.

Custom views on ArticleAdmin (all behind the admin login and the model permissions):

- ``<id>/annotate/``: the article's text with highlighted annotations; select a span, annotate it,
  resolve annotations and ingest warnings;
- ``<id>/compare/?from=<version>&to=<version>``: what changed between two saved versions;
- ``<id>/workflow/<transition>/``: the workflow buttons on the change page (POST);
- ``ingest/``: upload a raw article, preview the cleaned result and its warnings, then save it.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from itertools import pairwise

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from reversion.models import Version

from exchange.resources import ExchangeAdminMixin

from . import workflow
from .anchoring import make_selector
from .annotations import (
    NOTE_MAX_LENGTH,
    annotation_create,
    annotation_reopen,
    annotation_resolve,
    annotations_reattach_article,
    render_note,
)
from .deletion import RecordedDeletionInlineMixin, RecoverableDeletionMixin
from .models import Annotation, Article, Paragraph, Section, Topic
from .resources import AnnotationResource
from .services import article_ingest, article_preview
from .textpipeline import IngestInputError, decode_raw_article
from .versioning import RestoringVersionAdmin, recorded_revision, register_versioned_models, restoring

# The admin loads before this app's ready(): register with the follows now, or VersionAdmin would
# register Section without its paragraphs.
register_versioned_models()

admin.site.site_header = "百模 Baimo"
admin.site.site_title = "百模 Baimo"


@admin.register(Topic)
class TopicAdmin(RestoringVersionAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


# --- Article ---------------------------------------------------------------------------------------------


class SectionInline(RecordedDeletionInlineMixin, admin.TabularInline):
    model = Section
    fields = ["position", "heading", "paragraph_count", "anchor"]
    readonly_fields = ["paragraph_count", "anchor"]
    ordering = ["position", "pk"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paragraph_total=Count("paragraphs"))

    @admin.display(description="Paragraphs")
    def paragraph_count(self, section):
        return getattr(section, "paragraph_total", None) or "–"


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "language",
            "topics",
            "status",
            "publish_at",
            "original_source",
            "author",
            "image_credit",
            "publisher",
            "reprint_url",
            "disclaimer",
            "notice",
            "raw_text",
            "ingest_report",
        ]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        publish_at = cleaned.get("publish_at", self.instance.publish_at)
        touched = {"status", "publish_at"} & set(self.changed_data)
        if status == Article.Status.PUBLISHED and publish_at is None:
            # Publishing from the form means "now", as the Publish button does.
            cleaned["publish_at"] = timezone.now()
        if status == Article.Status.SCHEDULED and touched:
            if publish_at is None:
                self.add_error("publish_at", "A scheduled article needs the time it becomes public.")
            elif publish_at <= timezone.now():
                self.add_error("publish_at", "A scheduled time must lie in the future.")
        return cleaned


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at",
        help_text="Local time; the article becomes public by itself at that moment.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def clean_publish_at(self):
        value = self.cleaned_data["publish_at"]
        if value <= timezone.now():
            raise ValidationError("Choose a time in the future; to publish now, use “Publish now”.")
        return value


class AnnotateForm(forms.Form):
    """The span an editor selected (code points of the paragraph text) and the note on it."""

    paragraph = forms.CharField(max_length=32, widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=Annotation.Kind.choices, initial=Annotation.Kind.NOTE)
    visibility = forms.ChoiceField(
        choices=Annotation.Visibility.choices,
        initial=Annotation.Visibility.INTERNAL,
        help_text="Public notes appear to readers once the article is published.",
    )
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown: *emphasis*, **strong**, [links](https://…), `code`, lists.",
    )

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean(self):
        cleaned = super().clean()
        anchor = cleaned.get("paragraph")
        start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact")
        if not anchor or start is None or end is None or exact is None:
            raise ValidationError("Select the text to annotate first.")
        paragraph = (
            Paragraph.objects.filter(anchor=anchor, section__article=self.article)
            .select_related("section")
            .first()
        )
        if paragraph is None:
            raise ValidationError(f"The paragraph {anchor} is not part of this article.")
        if not 0 <= start < end <= len(paragraph.text):
            raise ValidationError(
                f"The selection {start}–{end} lies outside paragraph {anchor} "
                f"({len(paragraph.text)} characters); select text inside one paragraph."
            )
        if paragraph.text[start:end] != exact:
            raise ValidationError(
                f"The selected text “{exact[:40]}” is not what paragraph {anchor} holds at {start}–{end} "
                "(it may have been edited since this page was loaded): reload the page and select again."
            )
        cleaned["paragraph_object"] = paragraph
        return cleaned


class IngestUploadForm(forms.Form):
    title = forms.CharField(max_length=300, help_text="The editor's title: the raw text does not carry one.")
    raw_file = forms.FileField(label="Raw article (.txt, UTF-8)")


class IngestConfirmForm(forms.Form):
    title = forms.CharField(max_length=300, widget=forms.HiddenInput)
    # The file travels back as base64 so that browsers cannot rewrite its line ends on the way.
    raw_b64 = forms.CharField(widget=forms.HiddenInput)


@dataclass
class _Segment:
    text: str
    annotations: list[Annotation] = field(default_factory=list)


def marked_paragraph_html(text: str, annotations: list[Annotation]) -> SafeString:
    """Return the paragraph text as HTML with each annotated span in a <mark>.

    The marks add no characters, so the element's textContent is exactly the stored text and the
    annotate script can count offsets on it.
    """
    spans = [a for a in annotations if a.end > a.start and a.end <= len(text)]
    cuts = sorted({0, len(text), *(a.start for a in spans), *(a.end for a in spans)})
    segments = []
    for start, end in pairwise(cuts):
        covering = [a for a in spans if a.start <= start and end <= a.end]
        segments.append(_Segment(text[start:end], covering))
    parts = []
    for segment in segments:
        if not segment.annotations:
            parts.append(format_html("{}", segment.text))
            continue
        ids = " ".join(str(a.pk) for a in segment.annotations)
        classes = " ".join(
            sorted(
                {f"kind-{a.kind}" for a in segment.annotations}
                | {f"is-{a.status}" for a in segment.annotations}
            )
        )
        parts.append(
            format_html('<mark data-annotations="{}" class="{}">{}</mark>', ids, classes, segment.text)
        )
    return mark_safe("".join(parts))


def _inline_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
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
class _Snapshot:
    fields: dict
    # (anchor, heading of its section, kind, text) in reading order
    paragraphs: list[tuple[str, str, str, str]]


def _snapshot(version: Version, article_pk: int) -> _Snapshot:
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
    return _Snapshot(
        fields=fields,
        paragraphs=[
            (p["anchor"], sections[p["section_id"]]["heading"], p["kind"], p["text"]) for p in ordered
        ],
    )


COMPARED_FIELDS = [
    ("title", "Title"),
    ("summary", "Summary"),
    ("status", "Status"),
    ("publish_at", "Publish time"),
    ("original_source", "Original source"),
    ("disclaimer", "Disclaimer"),
]


def _display(name: str, value) -> str:
    if value is None:
        return ""
    if name == "status":
        return Article.Status(value).label if value in Article.Status.values else str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _compare(old: _Snapshot, new: _Snapshot) -> dict:
    """Return the rows of the comparison table between two snapshots."""
    field_rows = []
    for name, label in COMPARED_FIELDS:
        before, after = _display(name, old.fields.get(name)), _display(name, new.fields.get(name))
        left, right = _inline_diff(before, after)
        field_rows.append({"label": label, "old": left, "new": right, "changed": before != after})
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
                left, right = _inline_diff(old_text, new_text)
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


@admin.register(Article)
class ArticleAdmin(RecoverableDeletionMixin, RestoringVersionAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status", "publish_at", "open_annotations", "original_source", "updated_at"]
    list_filter = ["status", "topics", "language"]
    search_fields = ["title", "slug", "summary", "original_source"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics"]
    inlines = [SectionInline]
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    object_history_template = "admin/articles/article/object_history.html"
    history_latest_first = True
    actions = ["submit_for_review", "publish_now", "schedule", "archive", "return_to_draft"]
    # The text and report as ingested are provenance: a browser would rewrite the raw text's line ends
    # (LF to CRLF) on every save if it travelled through a textarea.
    readonly_fields = ["raw_text", "ingest_report"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "language", "topics"]}),
        ("Publication", {"fields": ["status", "publish_at"]}),
        (
            "Provenance",
            {
                "fields": [
                    "original_source",
                    "author",
                    "image_credit",
                    "publisher",
                    "reprint_url",
                    "disclaimer",
                    "notice",
                ]
            },
        ),
        ("As ingested", {"classes": ["collapse"], "fields": ["raw_text", "ingest_report"]}),
    ]

    def view_on_site(self, article):
        # A draft, scheduled or archived article is not on the site: its link would lead to a 404.
        return article.get_absolute_url() if article.is_public else None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_total=Count("annotations", filter=Q(annotations__status=Annotation.Status.OPEN)))
        )

    @admin.display(description="Open annotations", ordering="open_total")
    def open_annotations(self, article):
        return article.open_total

    # Publishing is an editor's decision: contributors see the workflow state but cannot set it.

    def has_publish_permission(self, request) -> bool:
        return workflow.can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            readonly += ["status", "publish_at"]
        return readonly

    def save_model(self, request, obj, form, change):
        # A restore keeps the status and publish time itself (RestoringVersionAdmin.save_model).
        if restoring(request) is None and not workflow.can_publish(request.user):
            stored = (
                Article.objects.filter(pk=obj.pk).values_list("status", "publish_at").first()
                if change
                else None
            )
            if (obj.status, obj.publish_at) != (stored or (Article.Status.DRAFT, None)):
                raise PermissionDenied(
                    "Only editors may change an article's status or publish time; submit it for review."
                )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if restoring(request) is not None:
            return  # re-attached once the restore is done (RestoringVersionAdmin.restore_finished)
        result = annotations_reattach_article(article=form.instance)
        if result.orphaned:
            self.message_user(
                request,
                f"{result.orphaned} annotation(s) could not be placed in the text and are marked orphaned.",
                messages.WARNING,
            )

    # Restoring keeps the status, publish time and slug (RestoringVersionAdmin, articles/versioning.py);
    # a recovered article comes back as a draft.

    revision_form_template = "admin/articles/article/revision_form.html"

    def revision_view(self, request, object_id, version_id, extra_context=None):
        state = Article.objects.filter(pk=unquote(object_id)).values_list("status", "publish_at").first()
        extra = dict(extra_context or {})
        if state is not None:
            extra["current_status"] = Article.Status(state[0]).label
            extra["current_publish_at"] = state[1]
            extra["title"] = "Restore an earlier version"
        return super().revision_view(request, object_id, version_id, extra)

    def restore_message(self, request, obj, restore):
        if restore.recovering:
            return f"Recovered “{obj}” as a draft."
        return f"Restored the text of “{obj}”; it stays {obj.get_status_display().lower()}."

    # Bulk workflow actions. Publishing ones need the publish permission to be listed at all, and the
    # services refuse them again for anyone without it.

    def _transition(self, request, queryset, service, done: str, **kwargs):
        succeeded, failed = [], []
        for article in queryset.order_by("pk"):
            try:
                service(article=article, user=request.user, **kwargs)
            except (PermissionDenied, ValidationError) as error:
                failed.append(f"{article}: {'; '.join(_messages_of(error))}")
                continue
            self.log_change(request, article, done.capitalize())
            succeeded.append(str(article))
        if succeeded:
            self.message_user(request, f"{done.capitalize()}: {', '.join(succeeded)}.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, f"Not {done}: {failure}", messages.ERROR)

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, workflow.article_submit, "submitted for review")

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._transition(request, queryset, workflow.article_publish, "published")

    @admin.action(description="Schedule…", permissions=["publish"])
    def schedule(self, request, queryset):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._transition(
                request,
                queryset,
                workflow.article_schedule,
                "scheduled",
                publish_at=form.cleaned_data["publish_at"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule articles",
            "opts": self.model._meta,
            "articles": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

    @admin.action(description="Archive", permissions=["publish"])
    def archive(self, request, queryset):
        self._transition(request, queryset, workflow.article_archive, "archived")

    @admin.action(description="Return to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        self._transition(request, queryset, workflow.article_return_to_draft, "returned to draft")

    # Custom views.

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        custom = [
            path("ingest/", view(self.ingest_view), name="articles_article_ingest"),
            path("<path:object_id>/annotate/", view(self.annotate_view), name="articles_article_annotate"),
            path(
                "<path:object_id>/annotate/add/",
                view(self.annotate_add_view),
                name="articles_article_annotate_add",
            ),
            path(
                "<path:object_id>/annotations/<int:annotation_id>/<str:verb>/",
                view(self.annotation_status_view),
                name="articles_article_annotation_status",
            ),
            path("<path:object_id>/compare/", view(self.compare_view), name="articles_article_compare"),
            path(
                "<path:object_id>/workflow/<str:transition>/",
                view(self.workflow_view),
                name="articles_article_workflow",
            ),
        ]
        return custom + super().get_urls()

    def _article_or_404(self, request, object_id) -> Article:
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article: Article, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(article),
            "opts": self.model._meta,
            "original": article,
            "article": article,
            "has_view_permission": self.has_view_permission(request, article),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        article = self.get_object(request, unquote(object_id))
        if request.method == "POST" and self.has_change_permission(request, article):
            ensure_initial_version(article)
        if article is not None:
            extra["workflow_buttons"] = self._workflow_buttons(request, article)
            extra["can_annotate"] = request.user.has_perm("articles.add_annotation")
        return super().change_view(request, object_id, form_url, extra)

    def history_view(self, request, object_id, extra_context=None):
        versions = (
            Version.objects.get_for_object_reference(Article, unquote(object_id))
            .select_related("revision", "revision__user")
            .order_by("-pk")
        )
        rows = [
            {
                "version": version,
                "restore_url": reverse(
                    f"{self.admin_site.name}:articles_article_revision",
                    args=[quote(version.object_id), version.pk],
                ),
            }
            for version in versions
        ]
        context = {
            "version_rows": rows,
            "compare_url": reverse(
                f"{self.admin_site.name}:articles_article_compare", args=[quote(object_id)]
            ),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    # The annotate view.

    def annotate_view(self, request, object_id, form=None, status=200):
        article = self._article_or_404(request, object_id)
        paragraphs = Paragraph.objects.order_by("position", "pk")
        sections = list(
            article.sections.order_by("position", "pk").prefetch_related(
                Prefetch("paragraphs", queryset=paragraphs)
            )
        )
        annotations = list(
            article.annotations.select_related("paragraph", "created_by", "resolved_by").order_by(
                "paragraph__section__position", "paragraph__position", "start", "pk"
            )
        )
        placed = defaultdict(list)
        for annotation in annotations:
            if annotation.paragraph_id and not annotation.orphaned:
                placed[annotation.paragraph_id].append(annotation)
        for section in sections:
            for paragraph in section.paragraphs.all():
                paragraph.marked_html = marked_paragraph_html(paragraph.text, placed[paragraph.pk])
        for annotation in annotations:
            annotation.note_html = render_note(annotation.body)
        warnings = [a for a in annotations if a.kind == Annotation.Kind.INGEST_WARNING]
        notes = [a for a in annotations if a.kind != Annotation.Kind.INGEST_WARNING]
        can_annotate = request.user.has_perm("articles.add_annotation")
        context = {
            **self._context(request, article, "Annotate"),
            "sections": sections,
            "open_notes": [a for a in notes if a.status == Annotation.Status.OPEN],
            "resolved_notes": [a for a in notes if a.status == Annotation.Status.RESOLVED],
            "warnings": warnings,
            "open_warnings": sum(1 for a in warnings if a.status == Annotation.Status.OPEN),
            "orphaned_total": sum(1 for a in annotations if a.orphaned or a.paragraph_id is None),
            "form": form or AnnotateForm(article=article),
            "can_annotate": can_annotate,
            "can_resolve": request.user.has_perm("articles.change_annotation"),
            "can_edit_text": request.user.has_perm("articles.change_paragraph"),
        }
        return TemplateResponse(request, "admin/articles/article/annotate.html", context, status=status)

    def annotate_add_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not request.user.has_perm("articles.add_annotation"):
            raise PermissionDenied
        form = AnnotateForm(request.POST, article=article)
        if form.is_valid():
            data = form.cleaned_data
            try:
                annotation = annotation_create(
                    paragraph=data["paragraph_object"],
                    start=data["start"],
                    end=data["end"],
                    kind=data["kind"],
                    visibility=data["visibility"],
                    body=data["body"],
                    created_by=request.user,
                )
            except ValidationError as error:
                for message in _messages_of(error):
                    form.add_error(None, message)
            else:
                self.message_user(request, f"Annotated “{annotation.exact[:40]}”.", messages.SUCCESS)
                url = reverse("admin:articles_article_annotate", args=[quote(article.pk)])
                return HttpResponseRedirect(f"{url}#annotation-{annotation.pk}")
        return self.annotate_view(request, object_id, form=form, status=400)

    def annotation_status_view(self, request, object_id, annotation_id, verb):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        annotation = get_object_or_404(Annotation, pk=annotation_id, article=article)
        services = {"resolve": annotation_resolve, "reopen": annotation_reopen}
        if verb not in services:
            raise Http404("Unknown action.")
        services[verb](annotation=annotation, user=request.user)
        done = "Resolved" if verb == "resolve" else "Reopened"
        self.message_user(request, f"{done}: {annotation}.", messages.SUCCESS)
        url = reverse("admin:articles_article_annotate", args=[quote(article.pk)])
        return HttpResponseRedirect(f"{url}#annotation-{annotation.pk}")

    # Comparing versions.

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
            **_compare(_snapshot(older, article.pk), _snapshot(newer, article.pk)),
        )
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    # Workflow buttons on the change page.

    WORKFLOW = {
        "submit": ("Submit for review", workflow.SUBMIT_FROM, False),
        "publish": ("Publish now", workflow.PUBLISH_FROM, True),
        "schedule": ("Schedule", workflow.SCHEDULE_FROM, True),
        "archive": ("Archive", workflow.ARCHIVE_FROM, True),
        "draft": ("Return to draft", workflow.RETURN_TO_DRAFT_FROM, False),
    }

    def _workflow_buttons(self, request, article: Article) -> list[dict]:
        if not self.has_change_permission(request, article):
            return []
        editor = workflow.can_publish(request.user)
        buttons = []
        for name, (label, allowed_from, needs_editor) in self.WORKFLOW.items():
            if article.status not in allowed_from:
                continue
            if needs_editor and not editor:
                continue
            if name == "draft" and article.status in workflow.PUBLIC_STATUSES and not editor:
                continue
            buttons.append(
                {
                    "name": name,
                    "label": label,
                    "url": reverse("admin:articles_article_workflow", args=[quote(article.pk), name]),
                    "form": ScheduleForm() if name == "schedule" else None,
                }
            )
        return buttons

    def workflow_view(self, request, object_id, transition):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        services = {
            "submit": (workflow.article_submit, "submitted for review"),
            "publish": (workflow.article_publish, "published"),
            "schedule": (workflow.article_schedule, "scheduled"),
            "archive": (workflow.article_archive, "archived"),
            "draft": (workflow.article_return_to_draft, "returned to draft"),
        }
        if transition not in services:
            raise Http404("Unknown transition.")
        service, done = services[transition]
        kwargs = {}
        if transition == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                for message in form.errors.get("publish_at", ["Give a valid time."]):
                    self.message_user(request, f"Not scheduled: {message}", messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[quote(article.pk)])
                )
            kwargs["publish_at"] = form.cleaned_data["publish_at"]
        try:
            service(article=article, user=request.user, **kwargs)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, f"Not {done}: {'; '.join(_messages_of(error))}", messages.ERROR)
        else:
            self.log_change(request, article, done.capitalize())
            self.message_user(request, f"“{article}” {done}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[quote(article.pk)]))

    # Ingest upload: preview first, save only on confirm.

    def ingest_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Ingest raw article",
            "opts": self.model._meta,
            "max_bytes": settings.INGEST_MAX_BYTES,
        }
        template = "admin/articles/article/ingest.html"
        if request.method != "POST":
            return TemplateResponse(request, template, {**context, "form": IngestUploadForm()})

        if "confirm" in request.POST:
            confirm = IngestConfirmForm(request.POST)
            raw_text = None
            if confirm.is_valid():
                try:
                    raw_text = _decode_confirmed(confirm.cleaned_data["raw_b64"])
                    with recorded_revision(request.user, "Ingested from an uploaded file"):
                        article = article_ingest(
                            raw_text=raw_text, title=confirm.cleaned_data["title"], created_by=request.user
                        )
                except (IngestInputError, ValidationError) as error:
                    form = IngestUploadForm(initial={"title": request.POST.get("title", "")})
                    context.update(form=form, ingest_errors=_messages_of(error))
                    return TemplateResponse(request, template, context, status=400)
                self.log_addition(request, article, "Ingested from an uploaded file")
                warnings = len(article.ingest_report.get("warnings", []))
                self.message_user(
                    request,
                    f"Created the draft “{article}” with {warnings} ingest warning(s) to review.",
                    messages.SUCCESS,
                )
                annotate_url = reverse("admin:articles_article_annotate", args=[quote(article.pk)])
                return HttpResponseRedirect(annotate_url)
            form = IngestUploadForm(initial={"title": request.POST.get("title", "")})
            context.update(
                form=form, ingest_errors=["The confirmation was incomplete; upload the file again."]
            )
            return TemplateResponse(request, template, context, status=400)

        form = IngestUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return TemplateResponse(request, template, {**context, "form": form}, status=400)
        upload = form.cleaned_data["raw_file"]
        try:
            if upload.size > settings.INGEST_MAX_BYTES:
                raise IngestInputError(
                    f"The file is {upload.size:,} bytes; the limit is {settings.INGEST_MAX_BYTES:,} bytes."
                )
            data = upload.read()
            raw_text = decode_raw_article(data, settings.INGEST_MAX_BYTES)
            result = article_preview(raw_text=raw_text)
            if not any(section.paragraphs for section in result.sections):
                raise IngestInputError("The text holds no article paragraphs.")
        except IngestInputError as error:
            form.add_error("raw_file", str(error))
            return TemplateResponse(request, template, {**context, "form": form}, status=400)
        confirm = IngestConfirmForm(
            initial={"title": form.cleaned_data["title"], "raw_b64": base64.b64encode(data).decode("ascii")}
        )
        context.update(
            title="Ingest raw article: preview",
            preview=_ingest_preview(result),
            report=result,
            confirm=confirm,
            article_title=form.cleaned_data["title"],
            file_name=upload.name,
        )
        return TemplateResponse(request, template, context)


def _decode_confirmed(raw_b64: str) -> str:
    """Return the text of the previewed file carried by the confirm form, validated again."""
    try:
        data = base64.b64decode(raw_b64, validate=True)
    except ValueError:
        raise IngestInputError("The previewed file did not come back intact; upload it again.") from None
    return decode_raw_article(data, settings.INGEST_MAX_BYTES)


@dataclass
class _PreviewMark:
    pk: int
    start: int
    end: int
    kind: str = Annotation.Kind.INGEST_WARNING
    status: str = Annotation.Status.OPEN


def _ingest_preview(result) -> list[dict]:
    """Return the sections and paragraphs of a parse result with each warning's span marked."""
    marks = defaultdict(list)
    for number, warning in enumerate(result.warnings, start=1):
        marks[(warning.section, warning.paragraph)].append(_PreviewMark(number, warning.start, warning.end))
    return [
        {
            "heading": section.heading,
            "paragraphs": [
                {
                    "kind": paragraph.kind,
                    "html": marked_paragraph_html(paragraph.text, marks[(s, p)]),
                    "warnings": [m.pk for m in marks[(s, p)]],
                }
                for p, paragraph in enumerate(section.paragraphs)
            ],
        }
        for s, section in enumerate(result.sections)
    ]


def ensure_initial_version(article: Article | None) -> None:
    """Record the article as it is now if it has no version yet, so its first edit can be undone.

    Articles loaded from fixtures or created outside the admin start without history.
    """
    if article is None or Version.objects.get_for_object(article).exists():
        return
    with reversion.create_revision():
        reversion.set_comment("Initial version, as it was before the first change in the admin")
        reversion.add_to_revision(article)


def _messages_of(error: Exception) -> list[str]:
    """Return the messages of a ValidationError, or the one-line message of another error."""
    if not isinstance(error, ValidationError):
        return [str(error)]
    if hasattr(error, "message_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


# --- Sections and paragraphs ------------------------------------------------------------------------------


def paragraph_on_site(paragraph: Paragraph) -> str | None:
    """Return the paragraph's place on the public site, or None while its article is not public."""
    return paragraph.get_absolute_url() if paragraph.section.article.is_public else None


class ParagraphInline(RecordedDeletionInlineMixin, admin.StackedInline):
    model = Paragraph
    fields = [("position", "kind", "anchor"), "text"]
    readonly_fields = ["anchor"]
    ordering = ["position", "pk"]
    extra = 0
    formfield_overrides = {
        Paragraph._meta.get_field("text").__class__: {
            "widget": forms.Textarea(attrs={"rows": 4, "cols": 100})
        }
    }

    def view_on_site(self, paragraph):
        return paragraph_on_site(paragraph)


@admin.register(Section)
class SectionAdmin(RecoverableDeletionMixin, RestoringVersionAdmin):
    list_display = ["__str__", "article", "position", "anchor"]
    list_select_related = ["article"]
    list_filter = ["article__status"]
    search_fields = ["heading", "anchor", "article__title"]
    autocomplete_fields = ["article"]
    ordering = ["article", "position", "pk"]
    inlines = [ParagraphInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        section = self.get_object(request, unquote(object_id))
        if request.method == "POST" and section is not None and self.has_change_permission(request, section):
            ensure_initial_version(section.article)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The article's history is where editors look: record the article (with all its text) too.
        reversion.add_to_revision(form.instance.article)
        if restoring(request) is not None:
            return  # re-attached once the restore is done (RestoringVersionAdmin.restore_finished)
        # Paragraphs split, merged or deleted in the inline: give orphans a last chance to re-attach.
        result = annotations_reattach_article(article=form.instance.article)
        if result.orphaned:
            self.message_user(
                request,
                f"{result.orphaned} annotation(s) of this article could not be placed "
                "and are marked orphaned.",
                messages.WARNING,
            )


@admin.register(Paragraph)
class ParagraphAdmin(RecoverableDeletionMixin, RestoringVersionAdmin):
    list_display = ["anchor", "excerpt", "kind", "section", "position"]
    list_filter = ["kind", "section__article"]
    list_select_related = ["section", "section__article"]
    search_fields = ["text", "anchor", "section__article__title"]
    autocomplete_fields = ["section"]
    readonly_fields = ["anchor"]

    @admin.display(description="Text")
    def excerpt(self, paragraph):
        return paragraph.text[:60]

    def view_on_site(self, paragraph):
        return paragraph_on_site(paragraph)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        paragraph = self.get_object(request, unquote(object_id))
        if (
            request.method == "POST"
            and paragraph is not None
            and self.has_change_permission(request, paragraph)
        ):
            ensure_initial_version(paragraph.section.article)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reversion.add_to_revision(obj.section.article)

    def response_change(self, request, obj):
        # Opened from the annotate view ("Edit the text" beside a warning): go back there to resolve it.
        stays = {"_continue", "_addanother", "_saveasnew"} & set(request.POST)
        if request.GET.get("return") != "annotate" or stays:
            return super().response_change(request, obj)
        self.message_user(request, f"Saved paragraph {obj.anchor}.", messages.SUCCESS)
        annotate = reverse("admin:articles_article_annotate", args=[quote(obj.section.article_id)])
        return HttpResponseRedirect(f"{annotate}#{obj.anchor}")


# --- Annotations ------------------------------------------------------------------------------------------


class AnnotationAdminForm(forms.ModelForm):
    """Edit a note, or re-attach an annotation by giving its paragraph and span (code points)."""

    class Meta:
        model = Annotation
        fields = ["paragraph", "start", "end", "kind", "visibility", "status", "body"]

    def clean(self):
        cleaned = super().clean()
        paragraph, start, end = cleaned.get("paragraph"), cleaned.get("start"), cleaned.get("end")
        if paragraph is None:
            if not self.instance.pk:
                self.add_error("paragraph", "Choose the paragraph the annotation is on.")
            return cleaned
        if start is not None and end is not None and not 0 <= start < end <= len(paragraph.text):
            self.add_error(
                "end",
                f"The span {start}–{end} is not inside the paragraph ({len(paragraph.text)} characters).",
            )
        return cleaned


@admin.register(Annotation)
class AnnotationAdmin(RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
    form = AnnotationAdminForm
    resource_classes = [AnnotationResource]
    list_display = ["__str__", "article", "paragraph_anchor", "kind", "visibility", "status", "orphaned"]
    list_filter = ["kind", "visibility", "status", "orphaned", "article"]
    list_select_related = ["article", "paragraph"]
    search_fields = ["exact", "body", "article__title", "paragraph__anchor"]
    autocomplete_fields = ["paragraph"]
    readonly_fields = [
        "article",
        "exact",
        "prefix",
        "suffix",
        "orphaned",
        "note_preview",
        "uid",
        "created_by",
        "resolved_by",
        "resolved_at",
    ]
    fieldsets = [
        (None, {"fields": ["article", "kind", "visibility", "status", "body", "note_preview"]}),
        ("Anchor", {"fields": ["paragraph", "start", "end", "exact", "prefix", "suffix", "orphaned"]}),
        ("Record", {"classes": ["collapse"], "fields": ["uid", "created_by", "resolved_by", "resolved_at"]}),
    ]
    actions = ["resolve", "reopen"]

    @admin.display(description="Paragraph", ordering="paragraph__anchor")
    def paragraph_anchor(self, annotation):
        return annotation.paragraph.anchor if annotation.paragraph_id else "— (orphaned)"

    @admin.display(description="Rendered note")
    def note_preview(self, annotation):
        return render_note(annotation.body) if annotation.body else "–"

    def save_model(self, request, obj, form, change):
        anchor_fields = {"paragraph", "start", "end"}
        if obj.paragraph_id and (not change or anchor_fields & set(form.changed_data)):
            paragraph = obj.paragraph
            selector = make_selector(paragraph.text, obj.start, obj.end)
            obj.exact, obj.prefix, obj.suffix = selector.exact, selector.prefix, selector.suffix
            obj.article_id = paragraph.section.article_id
            obj.orphaned = False
        if not change:
            obj.created_by = request.user
        if "status" in form.changed_data:
            resolved = obj.status == Annotation.Status.RESOLVED
            obj.resolved_by = request.user if resolved else None
            obj.resolved_at = timezone.now() if resolved else None
        super().save_model(request, obj, form, change)

    @admin.action(description="Resolve the selected annotations", permissions=["change"])
    def resolve(self, request, queryset):
        for annotation in queryset:
            annotation_resolve(annotation=annotation, user=request.user)
        self.message_user(request, f"Resolved {queryset.count()} annotation(s).", messages.SUCCESS)

    @admin.action(description="Reopen the selected annotations", permissions=["change"])
    def reopen(self, request, queryset):
        for annotation in queryset:
            annotation_reopen(annotation=annotation, user=request.user)
        self.message_user(request, f"Reopened {queryset.count()} annotation(s).", messages.SUCCESS)
