"""The admin of articles: the change form, workflow, history and the pages of an article.

Custom views on ArticleAdmin (all behind the admin login and the model permissions), each in its module:

- ``<id>/annotate/``: the article's text with highlighted annotations; select a span, annotate it,
  resolve annotations and ingest warnings (`annotate.py`);
- ``<id>/compare/?from=<version>&to=<version>``: what changed between two saved versions (`compare.py`);
- ``<id>/workflow/<transition>/``: the workflow buttons on the change page (POST; here);
- ``ingest/``: upload a raw article, preview the cleaned result and its warnings, then save it
  (`ingest.py`);
- the list's *Publish now…* asks first: each chosen article with its pre-publish check, then the clean
  ones or all of them, acknowledged (here);
- the live version, review, previews and share links (`review.py`).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from reversion.models import Version

from core.conflicts import FIELD, EditConflictMixin
from core.deletion import RecordedDeletionInlineMixin, RecoverableDeletionMixin
from core.versioning import RestoringVersionAdmin, recorded_revision, restoring

from .. import workflow
from ..annotations import annotations_reattach_article
from ..checks import prepublish_findings
from ..models import Annotation, Article, ChangeReview, Section, SlugRedirect
from .annotate import AnnotateViewsMixin
from .compare import CompareViewMixin
from .forms import PROVENANCE_FIELDS, ArticleAdminForm, ScheduleForm, messages_of
from .ingest import IngestViewMixin
from .review import OPENED_EDIT, ReviewViewsMixin, edit_mark
from .sections import image_thumbnail

# Signs what the bulk publish confirmation showed of each article (status, last edit, findings).
_BULK_SALT = "articles.admin.publish-selected"
# The steps that freeze the working copy as what readers see.
FREEZING = ("publish", "schedule")


class PublicationFilter(admin.SimpleListFilter):
    title = "on the site"
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [
            ("changes", "Live, with unpublished changes"),
            ("review", "Changes awaiting review"),
            ("live", "Live"),
            ("no", "Not live"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "changes":
                return queryset.filter(pk__in=Article.objects.published().with_unpublished_changes())
            case "review":
                return queryset.filter(change_reviews__decision=ChangeReview.Decision.PENDING)
            case "live":
                return queryset.filter(pk__in=Article.objects.published())
            case "no":
                return queryset.exclude(pk__in=Article.objects.published())
        return queryset


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


@admin.register(Article)
class ArticleAdmin(
    EditConflictMixin,
    ReviewViewsMixin,
    IngestViewMixin,
    AnnotateViewsMixin,
    CompareViewMixin,
    RecoverableDeletionMixin,
    RestoringVersionAdmin,
):
    form = ArticleAdminForm
    list_display = [
        "title",
        "status",
        "on_site",
        "publish_at",
        "open_annotations",
        "original_source",
        "updated_at",
    ]
    list_filter = [PublicationFilter, "status", "topics", "language"]
    list_select_related = ["live_version"]
    search_fields = ["title", "slug", "summary", "original_source"]
    date_hierarchy = "publish_at"
    # No prepopulated slug: the admin's script drops Chinese; an empty slug is made from the title in pinyin.
    autocomplete_fields = ["topics", "lead_image"]
    inlines = [SectionInline]
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    object_history_template = "admin/articles/article/object_history.html"
    history_latest_first = True
    actions = ["submit_for_review", "publish_now", "schedule", "archive", "return_to_draft"]
    # The text and report as ingested are provenance: a browser would rewrite the raw text's line ends
    # (LF to CRLF) on every save if it travelled through a textarea.
    readonly_fields = ["raw_text", "ingest_report", "lead_image_thumbnail"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "language", "topics"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_thumbnail"]}),
        ("Publication", {"fields": ["status", "publish_at"]}),
        (
            "Provenance",
            {"fields": PROVENANCE_FIELDS},
        ),
        ("As ingested", {"classes": ["collapse"], "fields": ["raw_text", "ingest_report"]}),
    ]

    def view_on_site(self, article):
        # A draft, scheduled or archived article is not on the site: its link would lead to a 404.
        return article.get_absolute_url() if article.is_public else None

    def get_queryset(self, request):
        # To-dos only: internal notes still open, ingest warnings among them; reader notes are not to-dos.
        todo = Q(
            annotations__status=Annotation.Status.OPEN, annotations__visibility=Annotation.Visibility.INTERNAL
        )
        return (
            super()
            .get_queryset(request)
            .defer("live_version__content")
            .annotate(open_total=Count("annotations", filter=todo))
        )

    @admin.display(description="As chosen")
    def lead_image_thumbnail(self, article):
        return image_thumbnail(article.lead_image if article.lead_image_id else None)

    @admin.display(description="Open to-dos", ordering="open_total")
    def open_annotations(self, article):
        return article.open_total

    @admin.display(description="On the site")
    def on_site(self, article):
        if not article.is_public:
            return (
                "scheduled" if article.status == Article.Status.SCHEDULED and article.live_version_id else "–"
            )
        if article.has_unpublished_changes:
            return "live, with unpublished changes"
        return "live"

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
        # A new slug of a live article is an address once its changes are published (articles.publication).
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

    # Restoring keeps the status, publish time and slug (keep_on_restore in articles/versioning.py);
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
                failed.append(f"{article}: {'; '.join(messages_of(error))}")
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

    @admin.action(description="Publish now…", permissions=["publish"])
    def publish_now(self, request, queryset):
        """Ask first, as a delete does: each article with its pre-publish check, then publish as chosen."""
        articles = list(queryset.order_by("pk"))
        choice = request.POST.get("publish")
        if choice in ("clean", "all"):
            self._publish_confirmed(request, articles, choice, request.POST.get("checked", ""))
            return None
        rows = [self._publish_row(article) for article in articles]
        ready = [row for row in rows if row["blocked"] is None]
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish articles",
            "opts": self.model._meta,
            "rows": rows,
            "clean_count": sum(1 for row in ready if not row["findings"]),
            "found_count": sum(1 for row in ready if row["findings"]),
            "checked": signing.dumps({str(row["article"].pk): row["seen"] for row in ready}, salt=_BULK_SALT),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "cancel_url": request.get_full_path(),  # the list as it was, with its filters
        }
        return TemplateResponse(request, "admin/articles/article/publish_selected.html", context)

    @staticmethod
    def _publish_row(article: Article) -> dict:
        """Return what the confirmation page shows of one article, and what the editor saw of it."""
        blocked = None
        if article.status not in workflow.PUBLISH_FROM:
            blocked = f"{article.get_status_display().lower()}: return it to draft first"
        elif article.status == Article.Status.PUBLISHED and not article.has_unpublished_changes:
            blocked = "live, with no unpublished changes: nothing to publish"
        findings = [] if blocked else [str(finding) for finding in prepublish_findings(article)]
        seen = [article.status, article.edited_at.isoformat() if article.edited_at else "", findings]
        return {"article": article, "blocked": blocked, "findings": findings, "seen": seen}

    def _publish_confirmed(self, request, articles: list[Article], choice: str, checked: str) -> None:
        """Publish what the editor confirmed: the clean articles, or all with their findings acknowledged."""
        try:
            seen = signing.loads(checked, salt=_BULK_SALT)
        except signing.BadSignature:
            self.message_user(
                request, "Nothing published: the confirmation page was damaged; choose again.", messages.ERROR
            )
            return
        published, left, failed = [], [], []
        for article in articles:
            if str(article.pk) not in seen:
                continue  # not offered for publishing on the page the editor confirmed
            try:
                with transaction.atomic():
                    # Locked while checked and published: nobody's edit slips in between.
                    locked = Article.objects.select_for_update(of=("self",)).select_related("live_version")
                    row = self._publish_row(locked.defer("live_version__content").get(pk=article.pk))
                    if row["blocked"] is not None:
                        raise ValidationError(row["blocked"])
                    if row["seen"] != seen[str(article.pk)]:
                        raise ValidationError(
                            "it changed after the confirmation page was shown; look at it again"
                        )
                    if row["findings"] and choice == "clean":
                        left.append(f"{article} ({'; '.join(row['findings'])})")
                        continue
                    # A revision of its own, not the list's: each history records what it acknowledged.
                    with recorded_revision(request.user, "Published", of_its_own=True):
                        workflow.article_publish(
                            article=article, user=request.user, acknowledged=row["findings"]
                        )
            except (PermissionDenied, ValidationError) as error:
                failed.append(f"{article}: {'; '.join(messages_of(error))}")
                continue
            self.log_change(request, article, "Published anyway" if row["findings"] else "Published")
            published.append(str(article))
        if published:
            self.message_user(request, f"Published: {', '.join(published)}.", messages.SUCCESS)
        if left:
            listed = ", ".join(left)
            self.message_user(
                request, f"Left unpublished, as the check found something: {listed}.", messages.WARNING
            )
        for failure in failed:
            self.message_user(request, f"Not published: {failure}", messages.ERROR)

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
            path("<path:object_id>/changes/", view(self.changes_view), name="articles_article_changes"),
            path(
                "<path:object_id>/review/<str:verb>/", view(self.review_view), name="articles_article_review"
            ),
            path("<path:object_id>/share/", view(self.share_view), name="articles_article_share"),
            path("<path:object_id>/preview/", view(self.preview_frame_view), name="articles_article_preview"),
            path("<path:object_id>/versions/", view(self.versions_view), name="articles_article_versions"),
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
        if article is not None:
            extra["workflow_buttons"] = self._workflow_buttons(request, article)
            extra["can_annotate"] = request.user.has_perm("articles.add_annotation")
            extra.update(self.live_context(request, article))
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
            if name == "publish" and article.status == Article.Status.PUBLISHED:
                if not article.has_unpublished_changes:
                    continue
                label = "Publish changes"
            if needs_editor and not editor:
                continue
            if name == "draft" and article.status in workflow.RELEASED_STATUSES and not editor:
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
        if transition == "publish" and workflow.can_publish(request.user):
            try:
                # Refused before the check is shown: a page opened before someone else's save is stale.
                self.refuse_conflicting_save(request, article, request.POST.get(FIELD), in_form=False)
                self._refuse_unseen_edits(request, article)
            except ValidationError as error:
                self.message_user(request, f"Not {done}: {'; '.join(messages_of(error))}", messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[quote(article.pk)])
                )
            findings = prepublish_findings(article)
            if findings and request.POST.get("confirm") != "yes":
                context = {
                    **self._context(request, article, "Publish anyway?"),
                    "findings": findings,
                    "opened_state": request.POST.get(FIELD, ""),
                    "opened_state_field": FIELD,
                    "opened_edit": request.POST.get(OPENED_EDIT),
                    "opened_edit_field": OPENED_EDIT,
                    "action_url": request.path,
                }
                return TemplateResponse(request, "admin/articles/article/prepublish.html", context)
            kwargs["acknowledged"] = [str(finding) for finding in findings]
        try:
            with transaction.atomic():
                # A step taken from a page opened before someone else's save would act on unseen text.
                self.refuse_conflicting_save(request, article, request.POST.get(FIELD), in_form=False)
                if transition in FREEZING:
                    self._refuse_unseen_edits(request, article)
                service(article=article, user=request.user, **kwargs)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, f"Not {done}: {'; '.join(messages_of(error))}", messages.ERROR)
        else:
            self.log_change(request, article, done.capitalize())
            self.message_user(request, f"“{article}” {done}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[quote(article.pk)]))

    def _refuse_unseen_edits(self, request, article: Article) -> None:
        """Refuse a publish whose page was opened before the last edit of the text, notes or mentions."""
        opened = request.POST.get(OPENED_EDIT)
        if opened is None:
            return  # a form the admin did not render (a script, a test client): nothing to compare
        rows = Article.objects.filter(pk=article.pk)
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        current = rows.get()
        if edit_mark(current) != opened:
            raise ValidationError(
                "the text, a note or a mention changed after you opened this page (last edit "
                f"{timezone.localtime(current.edited_at):%H:%M:%S}); see the changes, then try again."
            )


@admin.register(SlugRedirect)
class SlugRedirectAdmin(EditConflictMixin, admin.ModelAdmin):
    """The old addresses of articles: each answers with a 301 to the article's page."""

    list_display = ["old_slug", "article", "created_at"]
    search_fields = ["old_slug", "article__title", "article__slug"]
    autocomplete_fields = ["article"]
    list_select_related = ["article"]
