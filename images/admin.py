"""The media library in the admin: a searchable list with thumbnails, batch upload, focal point, usage."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.conflicts import EditConflictMixin
from core.deletion import RecoverableDeletionMixin
from core.versioning import RestoringVersionAdmin

from .forms import ImageForm, UploadForm
from .models import Image, ImageTag, Rendition
from .renditions import MODERN_FORMATS
from .services import image_create, renditions_make
from .usage import image_usages, unused_condition
from .validation import allowed_formats_text

_FALLBACKS = ("jpeg", "png")


class AltTextFilter(admin.SimpleListFilter):
    title = "alt text"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", "Missing (not shown to readers)"), ("given", "Given or decorative")]

    def queryset(self, request, queryset):
        missing = Q(decorative=False, alt_text="")
        if self.value() == "missing":
            return queryset.filter(missing)
        if self.value() == "given":
            return queryset.exclude(missing)
        return queryset


class UsageFilter(admin.SimpleListFilter):
    title = "usage"
    parameter_name = "usage"

    def lookups(self, request, model_admin):
        return [("unused", "Used nowhere"), ("used", "Used somewhere")]

    def queryset(self, request, queryset):
        if self.value() == "unused":
            return queryset.filter(unused_condition())
        if self.value() == "used":
            return queryset.exclude(unused_condition()).distinct()
        return queryset


def _shown_renditions(image: Image) -> list:
    """The image's original-shape renditions in a format every browser shows, smallest first."""
    found = getattr(image, "admin_renditions", None)
    if found is None:
        found = list(image.renditions.filter(spec="inline", format__in=_FALLBACKS))
    return sorted(found, key=lambda r: r.width)


@admin.register(ImageTag)
class ImageTagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name"]


@admin.register(Image)
class ImageAdmin(EditConflictMixin, RecoverableDeletionMixin, RestoringVersionAdmin):
    form = ImageForm
    change_form_template = "admin/images/image/change_form.html"
    change_list_template = "admin/images/image/change_list.html"
    list_display = ["thumbnail", "title", "alt_text_state", "credit", "licence", "size", "created_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["licence", "tags", "decorative", AltTextFilter, UsageFilter]
    search_fields = ["title", "alt_text", "caption", "credit", "tags__name"]
    autocomplete_fields = ["tags"]
    readonly_fields = ["focal_point", "used_in", "file_details"]
    fieldsets = [
        (None, {"fields": ["focal_point", "title", "alt_text", "decorative", "caption"]}),
        ("Credit", {"fields": ["credit", "source_url", "licence"]}),
        (None, {"fields": ["tags", "focal_x", "focal_y"]}),
        ("Where it is used", {"fields": ["used_in"]}),
        ("File", {"fields": ["file_details"]}),
    ]

    class Media:
        css = {"all": ["images/admin-images.css"]}
        js = ["images/focal-point.js"]

    def get_queryset(self, request):
        shown = Rendition.objects.filter(spec="inline", format__in=_FALLBACKS)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("renditions", queryset=shown, to_attr="admin_renditions"))
        )

    # The list

    @admin.display(description="Image")
    def thumbnail(self, image: Image):
        shown = _shown_renditions(image)
        if not shown:
            return "—"
        small = shown[0]
        return format_html(
            '<img class="image-thumbnail" src="{}" width="{}" height="{}" alt="" loading="lazy">',
            small.file.url,
            small.width,
            small.height,
        )

    @admin.display(description="Alt text", boolean=True)
    def alt_text_state(self, image: Image) -> bool:
        return bool(image.decorative or image.alt_text.strip())

    @admin.display(description="Size")
    def size(self, image: Image) -> str:
        return f"{image.width} × {image.height}"

    # The change form

    @admin.display(description="Focal point")
    def focal_point(self, image: Image):
        shown = _shown_renditions(image)
        if not shown:
            return "No renditions yet: save the image to make them."
        large = shown[-1]
        return format_html(
            '<div class="focal-point" data-focal-x="id_focal_x" data-focal-y="id_focal_y">'
            '<img src="{}" width="{}" height="{}" alt="{}">'
            '<span class="focal-point-marker" aria-hidden="true"></span></div>'
            '<p class="help">Click what must stay in view when the image is cropped to a fixed shape '
            "(16:9 at the top of an article, a square for a logo or portrait); save to crop it again. "
            '<span class="focal-point-value" aria-live="polite">Now at {} % across, {} % down.</span></p>',
            large.file.url,
            large.width,
            large.height,
            f"{image.title}: click to set the focal point",
            round(image.focal_x * 100),
            round(image.focal_y * 100),
        )

    @admin.display(description="Used in")
    def used_in(self, image: Image):
        if image.pk is None:
            return "—"
        usages = image_usages(image, site=self.admin_site)
        if not usages:
            return "Not used anywhere yet."
        return format_html(
            "<ul class='image-usages'>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {}</li>",
                (
                    (
                        usage.relation,
                        format_html('<a href="{}">{}</a>', usage.admin_url, usage.label)
                        if usage.admin_url
                        else usage.label,
                    )
                    for usage in usages
                ),
            ),
        )

    @admin.display(description="File")
    def file_details(self, image: Image):
        modern = sorted({r.format for r in image.renditions.all() if r.format in MODERN_FORMATS})
        gps = (
            " Its GPS position was removed on upload; no file of it carries one." if image.gps_removed else ""
        )
        return format_html(
            "{} × {} pixels; renditions in {} and a fallback, without any metadata.{}",
            image.width,
            image.height,
            ", ".join(fmt.upper() for fmt in modern) or "no modern format",
            gps,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Crops follow the focal point; unchanged, this encodes nothing.
        try:
            renditions_make(obj)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    # Batch upload instead of the one-file add form

    def get_urls(self):
        opts = self.model._meta
        upload = self.admin_site.admin_view(self.upload_view)
        return [
            path("upload/", upload, name=f"{opts.app_label}_{opts.model_name}_upload"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:images_image_upload"))

    def upload_view(self, request):
        """Add several images at once; say for each file what became of it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            self._upload(request, form)
            done = "images_image_changelist" if self.has_view_permission(request) else "index"
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:{done}"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload images",
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "formats": allowed_formats_text(),
            "max_bytes": filesizeformat(settings.IMAGE_MAX_BYTES),
            "max_megapixels": f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g}",
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/images/image/upload.html", context)

    def _upload(self, request, form: UploadForm) -> None:
        shared = {
            "credit": form.cleaned_data["credit"],
            "source_url": form.cleaned_data["source_url"],
            "licence": form.cleaned_data["licence"],
            "tags": list(form.cleaned_data["tags"]),
        }
        for upload in form.cleaned_data["files"]:
            try:
                result = image_create(file=upload, uploaded_by=request.user, **shared)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                continue
            image, link = result.image, self._change_link(result.image)
            if not result.created:
                self.message_user(
                    request,
                    format_html(
                        "“{}” is already in the library as {}; nothing was added.", upload.name, link
                    ),
                    messages.WARNING,
                )
                continue
            self.message_user(
                request,
                format_html(
                    "Added {}. Give it alt text (or mark it decorative) before it can be shown to readers.",
                    link,
                ),
                messages.SUCCESS,
            )
            if result.gps_removed:
                self.message_user(
                    request,
                    format_html(
                        "“{}” carried a GPS position (where it was taken); it was removed, and no file "
                        "of {} carries it.",
                        upload.name,
                        image.title,
                    ),
                    messages.WARNING,
                )

    def _change_link(self, image: Image):
        url = reverse(f"{self.admin_site.name}:images_image_change", args=[quote(image.pk)])
        return format_html('<a href="{}">{}</a>', url, image.title)
