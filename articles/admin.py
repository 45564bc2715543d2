from django.contrib import admin

from .models import Annotation, Article, Paragraph, Section, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["position", "heading", "anchor"]
    readonly_fields = ["anchor"]
    extra = 0
    show_change_link = True


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "publish_at", "original_source", "updated_at"]
    list_filter = ["status", "topics", "language"]
    search_fields = ["title", "slug", "summary", "original_source"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics"]
    inlines = [SectionInline]
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


class ParagraphInline(admin.StackedInline):
    model = Paragraph
    fields = ["position", "kind", "text", "anchor"]
    readonly_fields = ["anchor"]
    extra = 0


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "position", "anchor"]
    list_select_related = ["article"]
    search_fields = ["heading", "anchor", "article__title"]
    autocomplete_fields = ["article"]
    inlines = [ParagraphInline]


@admin.register(Paragraph)
class ParagraphAdmin(admin.ModelAdmin):
    list_display = ["anchor", "kind", "section", "position"]
    list_filter = ["kind"]
    list_select_related = ["section", "section__article"]
    search_fields = ["text", "anchor"]
    autocomplete_fields = ["section"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "kind", "visibility", "status", "orphaned"]
    list_filter = ["kind", "visibility", "status", "orphaned"]
    list_select_related = ["article"]
    search_fields = ["exact", "body", "article__title"]
    autocomplete_fields = ["article", "paragraph"]
    readonly_fields = ["uid", "created_by", "resolved_by", "resolved_at"]
