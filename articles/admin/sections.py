"""The admin of an article's sections and paragraphs, whose changes show in the article's history."""

from __future__ import annotations

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from core.conflicts import EditConflictMixin
from core.deletion import RecordedDeletionInlineMixin, RecoverableDeletionMixin
from core.versioning import RestoringVersionAdmin, restoring

from ..annotations import annotations_reattach_article
from ..models import Paragraph, Section

THUMBNAIL_WIDTH = 160


def image_thumbnail(image) -> str:
    """Return a small picture of an image for the admin, from its renditions, or a dash without one."""
    if image is None:
        return "—"
    fallbacks = [r for r in image.renditions.all() if r.spec == "inline" and r.format in ("jpeg", "png")]
    if not fallbacks:
        return format_html("{} (no renditions yet)", image.title)
    small = min(fallbacks, key=lambda r: r.width)
    # Drawn small by its attributes: the admin's CSP allows no inline style.
    width = min(small.width, THUMBNAIL_WIDTH)
    state = "" if image.decorative or image.alt_text.strip() else " — no alt text: readers do not see it"
    return format_html(
        '<img src="{}" width="{}" height="{}" alt=""> {}{}',
        small.file.url,
        width,
        max(1, round(small.height * width / small.width)),
        image.title,
        state,
    )


def paragraph_on_site(paragraph: Paragraph) -> str | None:
    """Return the paragraph's place on the public site, or None while its article is not public."""
    return paragraph.get_absolute_url() if paragraph.section.article.is_public else None


class ParagraphInline(RecordedDeletionInlineMixin, admin.StackedInline):
    model = Paragraph
    fields = [("position", "kind", "anchor"), "text", ("image", "image_thumbnail")]
    readonly_fields = ["anchor", "image_thumbnail"]
    autocomplete_fields = ["image"]
    ordering = ["position", "pk"]
    extra = 0
    formfield_overrides = {
        Paragraph._meta.get_field("text").__class__: {
            "widget": forms.Textarea(attrs={"rows": 4, "cols": 100})
        }
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("image").prefetch_related("image__renditions")

    @admin.display(description="As chosen")
    def image_thumbnail(self, paragraph):
        return image_thumbnail(paragraph.image if paragraph.image_id else None)

    def view_on_site(self, paragraph):
        return paragraph_on_site(paragraph)


@admin.register(Section)
class SectionAdmin(EditConflictMixin, RecoverableDeletionMixin, RestoringVersionAdmin):
    list_display = ["__str__", "article", "position", "anchor"]
    list_select_related = ["article"]
    list_filter = ["article__status"]
    search_fields = ["heading", "anchor", "article__title"]
    autocomplete_fields = ["article"]
    ordering = ["article", "position", "pk"]
    inlines = [ParagraphInline]

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
class ParagraphAdmin(EditConflictMixin, RecoverableDeletionMixin, RestoringVersionAdmin):
    list_display = ["anchor", "excerpt", "kind", "section", "position"]
    list_filter = ["kind", "section__article"]
    list_select_related = ["section", "section__article"]
    search_fields = ["text", "anchor", "section__article__title"]
    autocomplete_fields = ["section", "image"]
    readonly_fields = ["anchor", "image_thumbnail"]

    @admin.display(description="Image as chosen")
    def image_thumbnail(self, paragraph):
        return image_thumbnail(paragraph.image if paragraph.image_id else None)

    @admin.display(description="Text")
    def excerpt(self, paragraph):
        return paragraph.text[:60]

    def view_on_site(self, paragraph):
        return paragraph_on_site(paragraph)

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
