import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone


def new_anchor(prefix: str = "p") -> str:
    """Return a short random anchor; it is assigned once and never recomputed."""
    return f"{prefix}-{secrets.token_hex(4)}"


def new_section_anchor() -> str:
    return new_anchor("s")


class TopicManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)

    objects = TopicManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class ArticleQuerySet(models.QuerySet):
    """Publication of an article, the one rule: `published()` in SQL, `Article.is_public` for one row."""

    def published_or_scheduled(self):
        """Articles public from their `publish_at` on: published or scheduled, with a time set."""
        return self.filter(status__in=Article.PUBLIC_STATUSES, publish_at__isnull=False)

    def published(self, now=None):
        """Articles a reader may see: published, or scheduled with their time come."""
        return self.published_or_scheduled().filter(publish_at__lte=now or timezone.now())

    def for_reader(self):
        """Prefetch everything an article page renders, in a fixed number of queries."""
        return self.prefetch_related(
            "topics",
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position", "pk"))
                ),
            ),
        )

    def newest_first(self):
        return self.order_by("-publish_at", "-pk")


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=16, default="zh-Hant")
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When the article is (or becomes) public."
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")

    original_source = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    image_credit = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="The site the text was reprinted on.")
    reprint_url = models.URLField(max_length=500, blank=True)
    disclaimer = models.TextField(blank=True)
    notice = models.TextField(blank=True)
    raw_text = models.TextField(blank=True, help_text="The text exactly as ingested.")
    ingest_report = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Readers see an article in these statuses once its `publish_at` has come; archived ones they never see.
    PUBLIC_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)

    objects = ArticleManager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        indexes = [models.Index(fields=["status", "publish_at"], name="article_status_publish_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["published", "scheduled"]) | Q(publish_at__isnull=False),
                name="article_public_needs_publish_at",
            )
        ]
        permissions = [
            ("publish_article", "Can publish, schedule and archive articles"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def is_public(self) -> bool:
        """Tell whether readers may see the article now: `objects.published()` for one instance."""
        return (
            self.status in self.PUBLIC_STATUSES
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )


class AnchoredManager(models.Manager):
    def get_by_natural_key(self, anchor):
        return self.get(anchor=anchor)


class Section(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    heading = models.CharField(max_length=300, blank=True)
    anchor = models.CharField(max_length=32, unique=True, default=new_section_anchor, editable=False)

    objects = AnchoredManager()

    class Meta:
        ordering = ["article", "position", "pk"]

    def __str__(self):
        return self.heading or f"Section {self.position + 1}"

    def natural_key(self):
        return (self.anchor,)


class Paragraph(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        CAPTION = "caption", "Caption"
        PULL_QUOTE = "pullquote", "Pull-quote"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.TEXT)
    text = models.TextField()
    anchor = models.CharField(
        max_length=32,
        unique=True,
        default=new_anchor,
        editable=False,
        help_text="Stable id used in links; it survives edits and reordering.",
    )

    objects = AnchoredManager()

    class Meta:
        ordering = ["section", "position", "pk"]

    def __str__(self):
        return f"{self.anchor}: {self.text[:40]}"

    def get_absolute_url(self):
        return f"{self.section.article.get_absolute_url()}#{self.anchor}"

    def natural_key(self):
        return (self.anchor,)


class AnnotationQuerySet(models.QuerySet):
    def public(self):
        """Notes readers may see on a published article: those an editor made public."""
        return self.filter(visibility=Annotation.Visibility.PUBLIC)

    def open(self):
        return self.filter(status=Annotation.Status.OPEN)


class AnnotationManager(models.Manager.from_queryset(AnnotationQuerySet)):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


class Annotation(models.Model):
    """An editor's note on an exact span of a paragraph, anchored like a W3C Web Annotation."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        CONTEXT = "context", "Context"
        FACT_CHECK = "factcheck", "Fact-check"
        CORRECTION = "correction", "Correction"
        INGEST_WARNING = "ingest", "Ingest warning"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="annotations")
    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.SET_NULL, null=True, blank=True, related_name="annotations"
    )
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.NOTE)
    visibility = models.CharField(max_length=16, choices=Visibility, default=Visibility.INTERNAL)
    status = models.CharField(max_length=16, choices=Status, default=Status.OPEN)
    body = models.TextField(help_text="A small Markdown subset: emphasis, links, lists, code.")

    exact = models.TextField(blank=True, help_text="The annotated text, exactly.")
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    orphaned = models.BooleanField(
        default=False, help_text="The annotated text could not be found after an edit."
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnnotationManager()

    class Meta:
        ordering = ["article", "paragraph", "start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="annotation_span_ordered"),
        ]
        indexes = [
            models.Index(fields=["article", "visibility", "status"], name="annotation_article_vis_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.exact[:30] or self.body[:30]}"

    def natural_key(self):
        return (str(self.uid),)

    def quote_at_offsets(self, text: str) -> bool:
        """Tell whether `text` holds the quote at the stored offsets, whatever the orphaned flag says."""
        start, end = self.start, self.end
        return 0 <= start <= end <= len(text) and text[start:end] == self.exact

    def is_placed_in(self, text: str) -> bool:
        """Tell whether the quote still sits at its offsets in `text`: the one test of a kept anchor."""
        return not self.orphaned and self.quote_at_offsets(text)


class SlugRedirect(models.Model):
    """An address an article had while it was public: it answers with a 301 to the current one."""

    old_slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"
