from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles.admin.sections import image_thumbnail
from articles.models import Article
from core.conflicts import EditConflictMixin
from core.deletion import RecoverableDeletionMixin
from core.rendering import Span, render_paragraph
from core.versioning import RestoringVersionAdmin
from exchange.resources import ExchangeAdminMixin

from .models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote
from .resources import CompanyResource, FigureResource, PersonResource, ProductResource, QuoteResource
from .services import (
    company_publish,
    company_unpublish,
    mentions_detect,
    mentions_set_status,
    person_publish,
    person_unpublish,
)


class AliasInline(admin.TabularInline):
    model = Alias
    fields = ["name"]
    extra = 1


class CompanyAliasInline(AliasInline):
    fk_name = "company"


class PersonAliasInline(AliasInline):
    fk_name = "person"


class ProductInline(admin.TabularInline):
    model = Product
    fields = ["name", "slug", "kind", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    extra = 0
    show_change_link = True


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fields = ["company", "organisation", "role", "start_year", "end_year"]
    autocomplete_fields = ["company"]
    extra = 0


def _publish_each(modeladmin, request, queryset, *, published: bool) -> None:
    """Publish or unpublish each selected company or person through the service a single edit uses.

    The service saves the row, so the search index follows, and records a revision with the user.
    """
    changed = 0
    for entry in queryset.order_by("pk"):
        if isinstance(entry, Company):
            service = company_publish if published else company_unpublish
            changed += service(company=entry, user=request.user)
        else:
            service = person_publish if published else person_unpublish
            changed += service(person=entry, user=request.user)
    done = "published" if published else "unpublished"
    modeladmin.message_user(request, f"{changed} {done}.", messages.SUCCESS)


@admin.action(description="Publish the selected entries", permissions=["change"])
def make_published(modeladmin, request, queryset):
    _publish_each(modeladmin, request, queryset, published=True)


@admin.action(description="Unpublish the selected entries", permissions=["change"])
def make_unpublished(modeladmin, request, queryset):
    _publish_each(modeladmin, request, queryset, published=False)


@admin.register(Company)
class CompanyAdmin(EditConflictMixin, RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
    resource_classes = [CompanyResource]
    list_display = ["name_zh", "name_en", "layer", "country", "founded", "published"]
    list_filter = ["layer", "published", "country"]
    search_fields = ["name_zh", "name_en", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["logo"]
    readonly_fields = ["logo_thumbnail"]
    inlines = [CompanyAliasInline, ProductInline]
    actions = [make_published, make_unpublished]

    @admin.display(description="Logo as chosen")
    def logo_thumbnail(self, company):
        return image_thumbnail(company.logo if company.logo_id else None)


@admin.register(Person)
class PersonAdmin(EditConflictMixin, RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
    resource_classes = [PersonResource]
    list_display = ["name_zh", "name_en", "slug", "published"]
    list_filter = ["published", "affiliations__company__layer"]
    search_fields = ["name_zh", "name_en", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["portrait"]
    readonly_fields = ["portrait_thumbnail"]
    inlines = [PersonAliasInline, AffiliationInline]
    actions = [make_published, make_unpublished]

    @admin.display(description="Portrait as chosen")
    def portrait_thumbnail(self, person):
        return image_thumbnail(person.portrait if person.portrait_id else None)


@admin.register(Alias)
class AliasAdmin(EditConflictMixin, admin.ModelAdmin):
    list_display = ["name", "company", "person"]
    list_filter = ["company__layer"]
    list_select_related = ["company", "person"]
    search_fields = ["name", "company__name_zh", "company__name_en", "person__name_zh", "person__name_en"]
    autocomplete_fields = ["company", "person"]


@admin.register(Affiliation)
class AffiliationAdmin(EditConflictMixin, admin.ModelAdmin):
    list_display = ["person", "organisation_name", "role", "start_year", "end_year"]
    list_filter = ["company__layer"]
    list_select_related = ["person", "company"]
    search_fields = ["person__name_zh", "person__name_en", "company__name_zh", "organisation", "role"]
    autocomplete_fields = ["person", "company"]


@admin.register(Product)
class ProductAdmin(EditConflictMixin, RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
    resource_classes = [ProductResource]
    list_display = ["name", "company", "kind"]
    list_filter = ["kind", "company__layer"]
    list_select_related = ["company"]
    search_fields = ["name", "slug", "company__name_zh", "company__name_en"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["company"]


@admin.register(Quote)
class QuoteAdmin(EditConflictMixin, RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
    resource_classes = [QuoteResource]
    list_display = ["short_text", "speaker_name", "company", "occasion", "featured", "article"]
    list_filter = ["featured", ("paragraph__section__article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["speaker", "company", "paragraph__section__article"]
    list_editable = ["featured"]
    search_fields = ["text", "speaker__name_zh", "speaker_description", "occasion", "company__name_zh"]
    autocomplete_fields = ["speaker", "company", "paragraph"]
    fields = [
        "paragraph",
        "text",
        "speaker",
        "speaker_description",
        "speaker_role",
        "occasion",
        "company",
        "featured",
    ]

    @admin.display(description="Quote")
    def short_text(self, obj):
        return obj.text[:40]

    @admin.display(description="Article", ordering="paragraph__section__article__title")
    def article(self, obj):
        return obj.paragraph.section.article


@admin.register(Figure)
class FigureAdmin(EditConflictMixin, RecoverableDeletionMixin, ExchangeAdminMixin, RestoringVersionAdmin):
    resource_classes = [FigureResource]
    list_display = ["label", "value", "unit", "as_of", "chart_group", "company", "product", "article"]
    list_filter = ["chart_group", ("paragraph__section__article", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["company", "product", "paragraph__section__article"]
    search_fields = ["label", "chart_label", "chart_group", "company__name_zh", "product__name"]
    autocomplete_fields = ["company", "product", "paragraph"]

    @admin.display(description="Article", ordering="paragraph__section__article__title")
    def article(self, obj):
        return obj.paragraph.section.article


@admin.action(description="Confirm the selected mentions", permissions=["change"])
def confirm_mentions(modeladmin, request, queryset):
    changed = mentions_set_status(mentions=queryset, status=Mention.Status.CONFIRMED, user=request.user)
    modeladmin.message_user(request, f"{changed} mentions confirmed.", messages.SUCCESS)


@admin.action(description="Reject the selected mentions", permissions=["change"])
def reject_mentions(modeladmin, request, queryset):
    changed = mentions_set_status(mentions=queryset, status=Mention.Status.REJECTED, user=request.user)
    modeladmin.message_user(request, f"{changed} mentions rejected.", messages.SUCCESS)


@admin.action(description="Send the selected mentions back to suggested", permissions=["change"])
def reopen_mentions(modeladmin, request, queryset):
    changed = mentions_set_status(mentions=queryset, status=Mention.Status.SUGGESTED, user=request.user)
    modeladmin.message_user(request, f"{changed} mentions reopened.", messages.SUCCESS)


class MentionReviewFilter(admin.SimpleListFilter):
    """Mentions that lost their place in the text (landscape/mentions.py) and wait for an editor."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("needed", "Needs review"), ("placed", "Placed in its paragraph")]

    def queryset(self, request, queryset):
        if self.value() == "needed":
            return queryset.needing_review()
        if self.value() == "placed":
            return queryset.filter(paragraph__isnull=False)
        return queryset


@admin.register(Mention)
class MentionAdmin(EditConflictMixin, admin.ModelAdmin):
    list_display = ["text", "entity_link", "in_context", "paragraph_anchor", "status", "review"]
    list_display_links = ["text"]
    list_editable = ["status"]  # one-by-one review straight from the list
    list_filter = [
        MentionReviewFilter,
        "status",
        ("paragraph__section__article", admin.RelatedOnlyFieldListFilter),
        ("unplaced_in", admin.RelatedOnlyFieldListFilter),
        ("company", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["company", "person", "paragraph", "paragraph__section__article", "unplaced_in"]
    list_per_page = 200
    search_fields = ["text", "company__name_zh", "person__name_zh", "paragraph__anchor"]
    autocomplete_fields = ["paragraph", "company", "person"]
    fields = ["review", "paragraph", "start", "end", "text", "company", "person", "status"]
    readonly_fields = ["text", "review"]
    actions = [confirm_mentions, reject_mentions, reopen_mentions]
    change_list_template = "admin/landscape/mention/change_list.html"

    @admin.display(description="Entity")
    def entity_link(self, obj):
        entity = obj.entity
        label = "company" if obj.company_id else "person"
        url = reverse(f"admin:landscape_{label}_change", args=[entity.pk])
        return format_html('<a href="{}">{}</a> <small>({})</small>', url, entity, label)

    @admin.display(description="In context")
    def in_context(self, obj):
        if obj.needs_review:
            # Where it stood when it lost its place: its paragraph no longer reads so.
            before, after = obj.context_before[-12:], obj.context_after[:12]
            marked = render_paragraph(
                before + obj.text + after, [Span(len(before), len(before) + len(obj.text), "mark")]
            )
            return format_html("<s>…{}…</s>", marked)
        text = obj.paragraph.text
        if not obj.matches(text):
            return format_html("<em>not at {}–{} any more</em>", obj.start, obj.end)
        begin, end = max(obj.start - 12, 0), min(obj.end + 12, len(text))
        marked = render_paragraph(text[begin:end], [Span(obj.start - begin, obj.end - begin, "mark")])
        return format_html("…{}…", marked)

    @admin.display(description="Paragraph", ordering="paragraph__anchor")
    def paragraph_anchor(self, obj):
        return obj.paragraph.anchor if obj.paragraph_id else "—"

    @admin.display(description="Review")
    def review(self, obj):
        """Say why a mention needs review, in which article and with which decision it had."""
        if not obj.needs_review:
            return ""
        decided = obj.status_before_review or Mention.Status.SUGGESTED
        return format_html(
            "<strong>Needs review</strong> in “{}”: {}. It was {}; place it again, or delete it.",
            obj.unplaced_in,
            obj.get_review_reason_display(),
            Mention.Status(decided).label.lower(),
        )

    def get_urls(self):
        detect = self.admin_site.admin_view(self.detect_view)
        return [path("detect/", detect, name="landscape_mention_detect"), *super().get_urls()]

    def detect_view(self, request: HttpRequest):
        """Run mention detection on an article chosen by the editor, then show its suggestions."""
        if not self.has_add_permission(request):
            return redirect("admin:landscape_mention_changelist")
        if request.method == "POST":
            article = Article.objects.filter(pk=request.POST.get("article")).first()
            if article is None:
                self.message_user(request, "Choose an article.", messages.ERROR)
            else:
                result = mentions_detect(article=article)
                self.message_user(
                    request,
                    f"{article}: {result.created} new suggestions, {result.updated} updated, "
                    f"{result.kept} kept, {result.removed} removed; "
                    f"{result.decided} decided mentions left alone.",
                    messages.SUCCESS,
                )
                changelist = reverse("admin:landscape_mention_changelist")
                return redirect(
                    f"{changelist}?status__exact=suggested&paragraph__section__article__id__exact={article.pk}"
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Detect mentions",
            "opts": self.model._meta,
            "articles": Article.objects.order_by("-publish_at", "-pk").only("pk", "title", "status"),
        }
        return TemplateResponse(request, "admin/landscape/mention/detect.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mention]:
        return super().get_queryset(request).select_related("company", "person", "paragraph", "unplaced_in")
