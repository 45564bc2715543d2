"""The admin of annotations: edit a note, re-attach it by hand, resolve or reopen it."""

from __future__ import annotations

from django.contrib import admin, messages

from core.conflicts import EditConflictMixin
from core.deletion import RecoverableDeletionMixin
from core.versioning import RestoringVersionAdmin
from exchange.resources import ExchangeAdminMixin

from ..annotations import annotation_place, annotation_reopen, annotation_resolve, render_note
from ..models import Annotation
from ..resources import AnnotationResource
from .forms import AnnotationAdminForm

ANCHOR_FIELDS = {"paragraph", "start", "end"}


@admin.register(Annotation)
class AnnotationAdmin(EditConflictMixin, RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
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
        if obj.paragraph_id and (not change or ANCHOR_FIELDS & set(form.changed_data)):
            annotation_place(annotation=obj, paragraph=obj.paragraph, start=obj.start, end=obj.end)
        if not change:
            obj.created_by = request.user
        wanted = obj.status
        status_changed = "status" in form.changed_data
        if status_changed:
            # Saved with the status it had; the resolve and reopen services then record who and when.
            obj.status = form["status"].initial
        super().save_model(request, obj, form, change)
        if status_changed:
            service = annotation_resolve if wanted == Annotation.Status.RESOLVED else annotation_reopen
            service(annotation=obj, user=request.user)

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
