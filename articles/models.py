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

    def published(self, now=None):
        """Articles a reader may see: published, or scheduled with their time come."""
        return self.published_or_scheduled().filter(publish_at__lte=now or timezone.now())

    def published_or_scheduled(self):
        """Articles public from their `publish_at` on: published or scheduled, with a time and a version set.

        Readers see an article's live version (`ArticleVersion`), the text as an editor last published it:
        an article with a public status but no published version has nothing a reader may see.
        """
        return self.filter(
            status__in=Article.PUBLIC_STATUSES, publish_at__isnull=False, live_version__isnull=False
        )

    def with_unpublished_changes(self):
        """Articles live with a working copy edited since their live version was published."""
        return self.filter(live_version__isnull=False, edited_at__gt=models.F("live_version__published_at"))

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
    # PROTECT: an image an article shows is not deleted from under it; the delete page names the article.
    lead_image = models.ForeignKey(
        "images.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_of_articles",
        help_text="Shown at the top of the article, on its card and as its OpenGraph image.",
    )

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
    edited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The last change to the text, its notes or mentions."
    )
    live_version = models.OneToOneField(
        "ArticleVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="live_for",
        help_text="What readers see: the version an editor last published.",
    )

    # Where the text comes from: the credits the article page and the API show.
    PROVENANCE_FIELDS = (
        "original_source",
        "author",
        "image_credit",
        "publisher",
        "reprint_url",
        "disclaimer",
        "notice",
    )

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

    # A save that writes none of these (a workflow step, a new live version) leaves the text as it was.
    WORKFLOW_FIELDS = frozenset({"status", "publish_at", "live_version", "updated_at", "edited_at"})

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is None or set(update_fields) - self.WORKFLOW_FIELDS:
            self.edited_at = timezone.now()
            if update_fields is not None:
                update_fields = {*update_fields, "edited_at"}
        super().save(*args, update_fields=update_fields, **kwargs)

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
            and self.live_version_id is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def has_unpublished_changes(self) -> bool:
        """Tell whether the working copy changed since the live version: `with_unpublished_changes()`."""
        version = self.live_version
        return version is not None and self.edited_at is not None and self.edited_at > version.published_at


class ArticleVersionQuerySet(models.QuerySet):
    def live(self, now=None):
        """The versions readers see: each published article's live version, the one rule for every surface."""
        return self.filter(live_for__in=Article.objects.published(now))

    def listing(self):
        """Versions as lists show them: without the frozen text, with their topics."""
        return self.defer("content").prefetch_related("topics")

    def newest_first(self):
        return self.order_by("-publish_at", "-pk")


class ArticleVersion(models.Model):
    """An article as an editor published it: frozen, complete, what every public surface shows.

    The columns hold what lists, feeds and sitemaps need; `content` holds the rest as it was at publish
    time (sections and paragraphs with their anchors, public notes, confirmed mentions with the names of
    the entities they link to), written by `articles.publication` and read back by it.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, allow_unicode=True)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=16, default="zh-Hant")
    author = models.CharField(max_length=200, blank=True)
    original_source = models.CharField(max_length=200, blank=True)
    publish_at = models.DateTimeField(help_text="The article's date as readers see it.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    # Which image each place shows is frozen with the version; what the image says of itself (alt text,
    # credit, renditions) is read live. SET_NULL: a version no working copy holds may lose a deleted image.
    lead_image = models.ForeignKey(
        "images.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    images = models.ManyToManyField(
        "images.Image",
        blank=True,
        related_name="shown_in_versions",
        help_text="Every image the version shows.",
    )
    content = models.JSONField()
    published_at = models.DateTimeField(
        default=timezone.now, help_text="When this version went live: the article's date of modification."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.CharField(max_length=300, blank=True)
    withdrawn = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What editors took back from this version since it went live: note uids and mention ids.",
    )

    objects = ArticleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique_number"),
        ]
        indexes = [
            models.Index(fields=["slug"], name="article_version_slug_idx"),
            # Lists, feeds and cursors read versions newest first: an index scan, never a sort of all.
            models.Index(fields=["-publish_at", "-id"], name="article_version_newest_idx"),
        ]

    def __str__(self):
        return f"{self.title} (version {self.number})"

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def updated_at(self):
        """The date of modification readers are told: when this version was published."""
        return self.published_at


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
        # The paragraph's text is the image's caption; until its `image` is attached readers see the caption
        # alone, as an ingest gives a `(圖源:…)` line whose picture the scrape dropped. The value stays
        # "caption": the API's closed enum carries it.
        IMAGE = "caption", "Image (its caption until the file is attached)"
        PULL_QUOTE = "pullquote", "Pull-quote"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.TEXT)
    text = models.TextField()
    image = models.ForeignKey(
        "images.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paragraphs",
        help_text="For an image paragraph: the picture its text captions.",
    )
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
        constraints = [
            models.CheckConstraint(
                condition=Q(image__isnull=True) | Q(kind="caption"), name="paragraph_image_only_on_image_kind"
            ),
        ]

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


class ChangeReviewQuerySet(models.QuerySet):
    def awaiting(self):
        """Reviews an editor has still to decide."""
        return self.filter(decision=ChangeReview.Decision.PENDING)


class ChangeReview(models.Model):
    """Changes to a live article a contributor submitted, and an editor's decision on them.

    Editing a live article changes its working copy only; submitting asks the editors to publish it. An
    editor publishes the changes (approved) or sends them back with a comment (returned): either way the
    round is kept, with who decided and when, beside the article's history.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Approved and published"
        RETURNED = "returned", "Sent back"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="change_reviews")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True, help_text="What the contributor says of the changes.")
    decision = models.CharField(max_length=16, choices=Decision, default=Decision.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, help_text="The editor's word to the contributor.")

    objects = ChangeReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=Q(decision="pending"), name="change_review_one_pending"
            )
        ]

    def __str__(self):
        return f"Changes to “{self.article}” ({self.get_decision_display().lower()})"


class SlugRedirect(models.Model):
    """An address an article had while it was public: it answers with a 301 to the current one."""

    old_slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slug_redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_slug"]

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"
