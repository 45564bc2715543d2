"""Companies, people, products, quotes, figures and mentions: the landscape the articles describe.

Publication of a company or person is one rule, written once here: `_published()` in SQL (behind
`objects.published()` and across a relation) and `Publishable.is_public` for an instance. Everything else
has one `objects.public()` built on it and on `Article.objects.published()`: products follow their company;
quotes, figures and mentions their article; affiliations their person and organisation. Public surfaces
name a related company, person or product only through `public_or_none()` and the `public_*` helpers
below, so nothing unpublished is ever named from its own record.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from articles.anchoring import CONTEXT_LENGTH
from articles.models import Article, ArticleVersion, Paragraph


def _in_published_articles(prefix: str = "") -> Q:
    """Return a condition true when the row's paragraph belongs to a published article."""
    return Q(**{f"{prefix}paragraph__section__article__in": Article.objects.published()})


def _published(prefix: str = "") -> Q:
    """Return the condition that makes a company or person public, for the row at `prefix`."""
    return Q(**{f"{prefix}published": True})


def public_or_none(entity):
    """Return the company, person or product when readers may see it, else None: never name a hidden one."""
    return entity if entity is not None and entity.is_public else None


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(_published())


class PublishableManager(SlugManager.from_queryset(PublishableQuerySet)):
    pass


class Publishable:
    """A company or a person: readers see it once an editor publishes it, and only then."""

    @property
    def is_public(self) -> bool:
        """Tell whether readers may see this row: `objects.published()` for one instance."""
        return self.published


class Company(Publishable, models.Model):
    """An organisation: university, institute, platform, start-up, overseas player or media outlet."""

    class Layer(models.TextChoices):
        RESEARCH = "research", "高校與研究院所"
        PLATFORM = "platform", "互聯網大廠"
        AI1 = "ai1", "AI 1.0 公司"
        STARTUP = "startup", "大模型創業公司"
        OVERSEAS = "overseas", "海外玩家"
        MEDIA = "media", "媒體與平台"

    name_zh = models.CharField("Chinese name", max_length=100)
    name_en = models.CharField("English name", max_length=100, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    layer = models.CharField(max_length=16, choices=Layer, db_index=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. CN, US.")
    founded = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Year founded.")
    website = models.URLField(blank=True)
    summary = models.TextField(blank=True)
    # PROTECT: an image a page shows is not deleted from under it; the delete page names the company.
    logo = models.ForeignKey(
        "images.Image", on_delete=models.PROTECT, null=True, blank=True, related_name="logo_of_companies"
    )
    published = models.BooleanField(default=False, db_index=True)

    objects = PublishableManager()

    class Meta:
        ordering = ["layer", "name_zh"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(
                condition=Q(founded__isnull=True) | Q(founded__gte=1000, founded__lte=2100),
                name="company_founded_plausible_year",
            ),
        ]

    def __str__(self):
        return self.name_zh

    def get_absolute_url(self):
        return reverse("landscape:company_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)


class Person(Publishable, models.Model):
    name_zh = models.CharField("Chinese name", max_length=100)
    name_en = models.CharField("English name", max_length=100, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    bio = models.TextField(blank=True)
    portrait = models.ForeignKey(
        "images.Image", on_delete=models.PROTECT, null=True, blank=True, related_name="portrait_of_people"
    )
    published = models.BooleanField(default=False, db_index=True)

    objects = PublishableManager()

    class Meta:
        ordering = ["name_zh"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name_zh

    def get_absolute_url(self):
        return reverse("landscape:person_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)


class AliasManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Alias(models.Model):
    """A name as articles write it (阿里, 字節, 商湯); mention detection matches these."""

    # One row per name, unique across the whole landscape, so a name in a text can only mean one entity.
    name = models.CharField(max_length=100, unique=True)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="aliases"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="aliases"
    )

    objects = AliasManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=False, person__isnull=True)
                | Q(company__isnull=True, person__isnull=False),
                name="alias_names_exactly_one_entity",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="alias_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    @property
    def entity(self):
        return self.company or self.person


class AffiliationQuerySet(models.QuerySet):
    def public(self):
        """Roles readers may see: a published person's, at an organisation that can be named in public.

        A role at an unpublished company shows the organisation as the editor wrote it; without that,
        the role is left out rather than shown at a nameless place.
        """
        return self.filter(_published("person__")).filter(_published("company__") | ~Q(organisation=""))


class AffiliationManager(models.Manager.from_queryset(AffiliationQuerySet)):
    def get_by_natural_key(self, person_slug, company_slug, organisation, role):
        return self.get(
            person__slug=person_slug,
            company__slug=company_slug or None,
            organisation=organisation,
            role=role,
        )


class Affiliation(models.Model):
    """A person's role at an organisation over a span of years."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    # A record that names a company, person or product from elsewhere refuses its deletion (PROTECT);
    # what belongs to it goes with it and is recovered with it (core/deletion.py).
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="affiliations"
    )
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The organisation's name when it is not a company here."
    )
    role = models.CharField(max_length=200, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while current.")

    objects = AffiliationManager()

    class Meta:
        ordering = ["person", F("start_year").desc(nulls_first=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=False) | ~Q(organisation=""),
                name="affiliation_names_organisation",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=F("start_year")),
                name="affiliation_years_ordered",
            ),
            # Two partial constraints because NULL companies never collide in a plain unique index.
            models.UniqueConstraint(
                fields=["person", "company", "role"],
                condition=Q(company__isnull=False),
                name="affiliation_unique_company_role",
            ),
            models.UniqueConstraint(
                fields=["person", "organisation", "role"],
                condition=Q(company__isnull=True),
                name="affiliation_unique_organisation_role",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.role} @ {self.organisation_name}"

    def natural_key(self):
        company_slug = self.company.slug if self.company_id else ""
        return (self.person.slug, company_slug, self.organisation, self.role)

    natural_key.dependencies = ["landscape.person", "landscape.company"]

    @property
    def organisation_name(self) -> str:
        return self.company.name_zh if self.company_id else self.organisation

    @property
    def public_company(self) -> "Company | None":
        return public_or_none(self.company)

    @property
    def public_organisation_name(self) -> str:
        """Name the organisation as readers may see it: a published company's name, else the editor's."""
        company = self.public_company
        return company.name_zh if company else self.organisation

    @property
    def years(self) -> str:
        if self.start_year is None and self.end_year is None:
            return ""
        start = str(self.start_year) if self.start_year else "?"
        return f"{start}–{self.end_year or '今'}"


class ProductQuerySet(models.QuerySet):
    def public(self):
        """Products of published companies; a product has no publication of its own."""
        return self.filter(_published("company__"))


class ProductManager(SlugManager.from_queryset(ProductQuerySet)):
    pass


class Product(models.Model):
    class Kind(models.TextChoices):
        MODEL = "model", "大模型"
        APP = "app", "應用"
        PLATFORM = "platform", "平台"
        SERVICE = "service", "服務"
        OTHER = "other", "其他"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.MODEL)
    summary = models.TextField(blank=True)

    objects = ProductManager()

    class Meta:
        ordering = ["company", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{self.company.get_absolute_url()}#product-{self.slug}"

    @property
    def is_public(self) -> bool:
        """Tell whether readers may see the product: it has no publication of its own, only its company's."""
        return self.company.is_public

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["landscape.company"]


class ParagraphNaturalKeyManager(models.Manager):
    """Find rows by their paragraph's anchor plus one more field that is unique within it."""

    key_field = ""

    def get_by_natural_key(self, anchor, value):
        return self.get(paragraph__anchor=anchor, **{self.key_field: value})


@dataclass(frozen=True)
class Attribution:
    """Who said a quote, as readers may see it; `speaker` and `company` are set only when published."""

    name: str
    speaker: "Person | None"
    role: str
    company: "Company | None"
    occasion: str

    @property
    def text(self) -> str:
        """Return the attribution as one line: name, role and occasion, those that are there."""
        return "，".join(part for part in (self.name, self.role, self.occasion) if part)


class QuoteQuerySet(models.QuerySet):
    def public(self):
        """Quotes from published articles: a quote is published with its article."""
        return self.filter(_in_published_articles())

    def for_listing(self):
        return self.select_related("speaker", "company", "paragraph__section__article")


class QuoteManager(ParagraphNaturalKeyManager.from_queryset(QuoteQuerySet)):
    key_field = "text"


class Quote(models.Model):
    """Exact words someone said, cited to the paragraph that reports them."""

    text = models.TextField(help_text="The exact words, as they appear in the paragraph.")
    speaker = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes"
    )
    speaker_description = models.CharField(
        max_length=200, blank=True, help_text="Who spoke, when the article does not name them."
    )
    speaker_role = models.CharField(max_length=200, blank=True, help_text="The speaker's role at the time.")
    occasion = models.CharField(max_length=200, blank=True)
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="quotes")
    # The paragraph as the live version holds it, joined on the same column (no column of its own): lists
    # reach the live title, slug and anchor in one join instead of two through the working copy.
    live = models.ForeignObject(
        "LiveParagraph",
        on_delete=models.DO_NOTHING,
        from_fields=["paragraph"],
        to_fields=["paragraph"],
        related_name="+",
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes"
    )
    featured = models.BooleanField(default=False, db_index=True)

    objects = QuoteManager()

    class Meta:
        ordering = ["paragraph", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["paragraph", "text"], name="quote_unique_text_in_paragraph"),
            models.CheckConstraint(condition=~Q(text=""), name="quote_text_not_empty"),
            models.CheckConstraint(
                condition=Q(speaker__isnull=False) | ~Q(speaker_description=""),
                name="quote_has_speaker",
            ),
        ]

    def __str__(self):
        return f"{self.speaker_name}：{self.text[:30]}"

    def get_absolute_url(self):
        return self.paragraph.get_absolute_url()

    def natural_key(self):
        return (*self.paragraph.natural_key(), self.text)

    natural_key.dependencies = ["articles.paragraph", "landscape.person", "landscape.company"]

    def clean(self):
        if self.paragraph_id and self.text and self.text not in self.paragraph.text:
            raise ValidationError({"text": "The quote must be copied exactly from its paragraph."})

    @property
    def speaker_name(self) -> str:
        """Name the speaker for editors, published or not; public surfaces use `public_attribution`."""
        return self.speaker.name_zh if self.speaker_id else self.speaker_description

    @property
    def public_attribution(self) -> Attribution:
        """Return who said it as readers may see it, the one rule every public surface follows.

        A published speaker is named and linked; an unpublished one is shown as the article wrote them
        (the speaker description), unlinked, or not named at all. An unpublished company is left out.
        """
        speaker = public_or_none(self.speaker)
        return Attribution(
            name=speaker.name_zh if speaker else self.speaker_description,
            speaker=speaker,
            role=self.speaker_role,
            company=public_or_none(self.company),
            occasion=self.occasion,
        )


class FigureQuerySet(models.QuerySet):
    def public(self):
        """Figures from published articles: a figure is published with its article."""
        return self.filter(_in_published_articles())

    def for_listing(self):
        return self.select_related("company", "product__company", "paragraph__section__article")


class FigureManager(ParagraphNaturalKeyManager.from_queryset(FigureQuerySet)):
    key_field = "label"


class Figure(models.Model):
    """A number the reporting relies on, with its unit, date and source paragraph."""

    label = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=20, decimal_places=4)
    unit = models.CharField(max_length=32, blank=True, help_text="E.g. 個, 塊, 元, %, 年.")
    as_of = models.DateField(null=True, blank=True, help_text="The date the number describes.")
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="figures"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="figures"
    )
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="figures")
    # As for a quote: the live paragraph, joined on `paragraph_id`.
    live = models.ForeignObject(
        "LiveParagraph",
        on_delete=models.DO_NOTHING,
        from_fields=["paragraph"],
        to_fields=["paragraph"],
        related_name="+",
    )
    chart_group = models.SlugField(
        max_length=64,
        blank=True,
        help_text="Figures sharing a key are drawn together, e.g. app-store-ratings.",
    )
    chart_label = models.CharField(max_length=100, blank=True, help_text="The bar's short label in a chart.")

    objects = FigureManager()

    class Meta:
        ordering = ["chart_group", "paragraph", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["paragraph", "label"], name="figure_unique_label_in_paragraph"),
        ]
        indexes = [models.Index(fields=["chart_group"], name="figure_chart_group_idx")]

    def __str__(self):
        # An unsaved figure may hold the int or str it was given; a saved one, a Decimal.
        return f"{self.label}: {Decimal(str(self.value)).normalize():f}{self.unit}"

    def get_absolute_url(self):
        return self.paragraph.get_absolute_url()

    def natural_key(self):
        return (*self.paragraph.natural_key(), self.label)

    natural_key.dependencies = ["articles.paragraph", "landscape.company", "landscape.product"]

    @property
    def short_label(self) -> str:
        return self.chart_label or self.label

    @property
    def public_company(self) -> "Company | None":
        return public_or_none(self.company)

    @property
    def public_product(self) -> "Product | None":
        return public_or_none(self.product)

    @property
    def public_owner(self) -> "Company | None":
        """Return the published company the figure is about: its product's maker, else its company."""
        product = self.public_product
        return product.company if product else self.public_company


def keep_decided_mentions(collector, field, sub_objs, using):
    """Delete a paragraph's mentions with their article, and its suggestions; keep the decided ones.

    The `on_delete` of `Mention.paragraph`. Mentions deleted are collected like any CASCADE, so the
    admin's delete page lists them and a recovered article or paragraph brings them back. A decided
    mention is only set aside here: before the delete, `landscape.mentions.mentions_detach` moves it to
    another paragraph or marks it for review; one it did not reach fails the delete on
    `mention_placed_or_needs_review` instead of vanishing.
    """
    articles = [
        obj.pk for model, objs in collector.data.items() if issubclass(model, Article) for obj in objs
    ]
    goes = Q(status=Mention.Status.SUGGESTED)
    if articles:
        goes |= Q(paragraph__section__article__in=articles)
    models.CASCADE(collector, field, sub_objs.filter(goes), using)
    models.SET_NULL(collector, field, sub_objs.exclude(goes), using)


keep_decided_mentions.lazy_sub_objs = True


class MentionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Mention.Status.CONFIRMED)

    def public(self):
        """Confirmed mentions of published entities in published articles."""
        return (
            self.confirmed()
            .filter(_in_published_articles())
            .filter(_published("company__") | _published("person__"))
        )

    def in_article(self, article):
        """The mentions placed in the article's paragraphs; those needing review have none."""
        return self.filter(paragraph__section__article=article)

    def needing_review(self):
        """The mentions that lost their place in the text: no paragraph holds them until one is found."""
        return self.filter(paragraph__isnull=True)


class MentionManager(models.Manager.from_queryset(MentionQuerySet)):
    def get_by_natural_key(self, anchor, start, end):
        if anchor is None:
            # A mention needing review has no natural key of its own: a fixture loads it as a new row.
            raise self.model.DoesNotExist("A mention without a paragraph has no natural key.")
        return self.get(paragraph__anchor=anchor, start=start, end=end)


class Mention(models.Model):
    """A span of a paragraph naming a company or a person, suggested by detection, decided by an editor.

    A mention follows its text when paragraphs are edited, split, merged or deleted
    (`landscape/mentions.py`). One that cannot be placed again needs review: it has no paragraph, stays
    listed on its article (`unplaced_in`) with the context it had and the reason, and a confirmed one is
    back to suggested until it is placed again.
    """

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    class ReviewReason(models.TextChoices):
        TEXT_GONE = "text_gone", "Its text is no longer in its paragraph, nor anywhere near it"
        AMBIGUOUS = "ambiguous", "Its text stands in several places, none of them clearly its own"
        TAKEN = "taken", "Another decided mention already covers its text where it moved"
        PARAGRAPH_DELETED = "paragraph_deleted", "Its paragraph was deleted and no other one holds its text"

    paragraph = models.ForeignKey(
        Paragraph,
        on_delete=keep_decided_mentions,
        null=True,
        related_name="mentions",
        help_text="Empty while the mention needs review: no paragraph holds its text where it stood.",
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # The text the span covers, exactly; paragraph edits move the span with it (landscape/mentions.py).
    text = models.CharField(max_length=100)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="mentions"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="mentions"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.SUGGESTED, db_index=True)
    # Set only while the mention needs review, i.e. has no paragraph; a placed mention has them empty.
    unplaced_in = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="unplaced_mentions",
        verbose_name="needs review in",
    )
    review_reason = models.CharField(max_length=24, choices=ReviewReason, blank=True, editable=False)
    status_before_review = models.CharField(
        max_length=16,
        choices=Status,
        blank=True,
        editable=False,
        help_text="The editor's decision it had when it lost its place; it takes it back once placed again.",
    )
    context_before = models.CharField(max_length=CONTEXT_LENGTH, blank=True, editable=False)
    context_after = models.CharField(max_length=CONTEXT_LENGTH, blank=True, editable=False)

    objects = MentionManager()

    class Meta:
        ordering = ["paragraph", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="mention_span_not_empty"),
            models.CheckConstraint(
                condition=Q(company__isnull=False, person__isnull=True)
                | Q(company__isnull=True, person__isnull=False),
                name="mention_names_exactly_one_entity",
            ),
            # Mentions needing review have no paragraph, so they never collide here.
            models.UniqueConstraint(fields=["paragraph", "start", "end"], name="mention_unique_span"),
            models.CheckConstraint(
                condition=Q(paragraph__isnull=False, unplaced_in__isnull=True, review_reason="")
                | (Q(paragraph__isnull=True, unplaced_in__isnull=False) & ~Q(review_reason="")),
                name="mention_placed_or_needs_review",
            ),
        ]

    def __str__(self):
        return f"{self.text} → {self.entity} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.paragraph_id is not None:
            # Placed (again): nothing of a review is left to keep.
            self.unplaced_in = None
            self.review_reason = self.status_before_review = ""
            self.context_before = self.context_after = ""
        super().save(*args, **kwargs)

    def natural_key(self):
        anchor = self.paragraph.anchor if self.paragraph_id is not None else None
        return (anchor, self.start, self.end)

    natural_key.dependencies = ["articles.paragraph", "landscape.company", "landscape.person"]

    @property
    def entity(self):
        # A null foreign key reads as None without a query, so this costs nothing beyond select_related.
        return self.company or self.person

    @property
    def needs_review(self) -> bool:
        return self.paragraph_id is None

    def clean(self):
        if self.paragraph_id and self.start is not None and self.end is not None:
            covered = self.paragraph.text[self.start : self.end]
            if self.end > len(self.paragraph.text) or (self.text and covered != self.text):
                raise ValidationError(
                    f"The span {self.start}–{self.end} covers “{covered}”, not “{self.text}”."
                )
            if not self.text:
                self.text = covered

    def matches(self, paragraph_text: str) -> bool:
        """Tell whether the span still covers the text it was found on."""
        return paragraph_text[self.start : self.end] == self.text


class LiveParagraphQuerySet(models.QuerySet):
    def public(self):
        """The paragraphs readers see: those the live version of a published article holds."""
        return self.filter(article__in=Article.objects.published())

    def reading_order(self):
        """Newest article first, each in the order its live version reads."""
        return self.order_by(*LiveParagraph.READING_ORDER)


class LiveParagraph(models.Model):
    """A paragraph as the live version of its article holds it: what public quotes, figures, mentions cite.

    Derived, never edited: `landscape.citations` rewrites an article's rows whenever one of its versions
    goes live, so lists join the text readers see (the live title, slug and anchors) in SQL, without
    reading every version's content. The key is the paragraph's id, kept without a constraint: the working
    copy's paragraph may be changed or deleted while the live version still shows it.
    """

    paragraph = models.OneToOneField(
        Paragraph,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="live_place",
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="+")
    publish_at = models.DateTimeField(help_text="The live version's date, as lists sort it.")
    sequence = models.PositiveIntegerField(help_text="The paragraph's place in the version's reading order.")
    anchor = models.CharField(max_length=32)
    text = models.TextField()

    # Newest article first, then the article's reading order: every list of cited rows sorts so.
    READING_ORDER = ("-publish_at", "-article_id", "sequence")

    objects = LiveParagraphQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-article_id", "sequence"]
        indexes = [
            models.Index(fields=["-publish_at", "-article", "sequence"], name="live_paragraph_order_idx"),
        ]

    def __str__(self):
        return f"{self.anchor}: {self.text[:40]}"

    def get_absolute_url(self):
        return f"{self.version.get_absolute_url()}#{self.anchor}"


class LiveMention(models.Model):
    """A confirmed mention as the live version of its article publishes it, less what was withdrawn since.

    Derived with `LiveParagraph`: a company's or person's "cited in" list reads these. The entity is kept
    without a constraint, as the version names it; only published ones are shown.
    """

    paragraph = models.ForeignKey(LiveParagraph, on_delete=models.CASCADE, related_name="mentions")
    mention_id = models.PositiveBigIntegerField(
        null=True, help_text="The working copy's mention the version froze; it may be gone since."
    )
    company = models.ForeignKey(
        Company,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=100)

    class Meta:
        ordering = ["paragraph", "start"]
        indexes = [
            models.Index(fields=["company", "paragraph"], name="live_mention_company_idx"),
            models.Index(fields=["person", "paragraph"], name="live_mention_person_idx"),
        ]

    def __str__(self):
        return f"{self.text} ({self.start}–{self.end})"

    def matches(self, paragraph_text: str) -> bool:
        """Tell whether the span covers the text it was published on."""
        return paragraph_text[self.start : self.end] == self.text
