"""The search index: one row per searchable thing a reader may see, keyed so that newest comes first.

A document's primary key is made of its kind, the month its article was published and its source's
primary key (`document_key`): within a kind, a descending key is newest first, so both backends can read
the newest matches of a query straight from their index and stop (`search.backends.NewestMatches`).
Each row also carries what ranking and visibility need (the article's publish time, the normalised text
and names), so a query never joins the articles.
"""

from datetime import UTC, datetime

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from articles.models import Article
from landscape.models import Company, Person, Quote

from .backends import BUCKET_SHIFT, DocumentKeyField, TokensField

OWNERS = ("quote", "company", "person")
# Key layout, high bits to low: kind, month of publication (since EPOCH_YEAR), source primary key.
SOURCE_BITS = BUCKET_SHIFT
MONTH_BITS = 12
EPOCH_YEAR = 2000
LAST_MONTH = 2**MONTH_BITS - 1
SOURCE_MASK = 2**SOURCE_BITS - 1
# The search page's order of kinds; each kind has its own range of keys.
KIND_RANKS = {"company": 1, "person": 2, "quote": 3, "paragraph": 4}


def month_number(moment: datetime | None) -> int:
    """Return the month of `moment` counted from January EPOCH_YEAR (UTC), clamped to the key's range."""
    if moment is None:
        return 0
    moment = moment.astimezone(UTC)
    return min(max((moment.year - EPOCH_YEAR) * 12 + moment.month - 1, 0), LAST_MONTH)


def bucket_number(kind: str, month: int) -> int:
    """Return the bucket of a kind's documents published in `month`: a key without its source bits."""
    return KIND_RANKS[kind] << MONTH_BITS | month


def document_key(kind: str, object_id: int, publish_at: datetime | None = None) -> int:
    """Return the primary key of the document of `kind` for source `object_id`, published at `publish_at`."""
    if not 0 < object_id <= SOURCE_MASK:
        raise ValueError(f"A source key must be between 1 and {SOURCE_MASK}, not {object_id}.")
    return bucket_number(kind, month_number(publish_at)) << SOURCE_BITS | object_id


def kind_buckets(kind: str, now: datetime) -> tuple[int, int]:
    """Return the first and last bucket of a kind's documents that may be visible at `now`.

    Companies and people have one bucket; paragraphs and quotes one per month, up to the month of `now`:
    a later month holds only articles scheduled for later, which no reader sees yet.
    """
    last = month_number(now) if kind in ("paragraph", "quote") else 0
    return bucket_number(kind, 0), bucket_number(kind, last)


def _key_range(kind: str) -> Q:
    first = bucket_number(kind, 0) << SOURCE_BITS
    return Q(kind=kind, id__gte=first, id__lte=first | (LAST_MONTH << SOURCE_BITS) | SOURCE_MASK)


def _owned_by(owner: str | None) -> Q:
    """Return the condition that a row of its kind points at its one source row, and only at that one.

    A paragraph is the live version's, which the working copy may have deleted since: only its article
    is a foreign key. Quotes, companies and people are their own rows.
    """
    kind = owner or "paragraph"
    condition = Q(kind=kind)
    if owner:
        condition &= Q(**{f"{owner}__isnull": False, owner: F("object_id")})
    for other in OWNERS:
        if other != owner:
            condition &= Q(**{f"{other}__isnull": True})
    # Paragraphs and quotes are public with their article; companies and people on their own.
    return condition & Q(article__isnull=kind in ("company", "person"))


def shown_at(now: datetime) -> Q:
    """Return the condition that a document's own publish time has come (companies and people have none)."""
    return Q(publish_at__isnull=True) | Q(publish_at__lte=now)


class SearchDocumentQuerySet(models.QuerySet):
    def visible(self, now=None):
        """Documents a reader may see now: their publish time has come and their source is still published.

        The index holds only published content, and the services drop what is withdrawn; checking the
        sources again keeps anything unpublished behind the ORM's back (a bulk `update()` sends no signal)
        out of the results until the index catches up. Correlated EXISTS look each source up by primary
        key, so apply this to a page of documents, never to every match.
        """
        now = now or timezone.now()

        def source_published(field, queryset):
            return Q(**{f"{field}__isnull": True}) | Exists(queryset.filter(pk=OuterRef(field)))

        return self.filter(
            shown_at(now),
            source_published("article", Article.objects.published(now)),
            source_published("company", Company.objects.published()),
            source_published("person", Person.objects.published()),
        )

    def matching(self, query):
        """Documents holding every token of a `search.text.ParsedQuery`, found through the index."""
        return self.filter(tokens__matches=query)

    def newest_matching(self, windows):
        """Documents among the newest matches of each `search.backends.Window`, read from the index."""
        return self.filter(tokens__newest=tuple(windows))


class SearchDocument(models.Model):
    """A published paragraph, company, person or quote, with the tokens the full-text index holds.

    The full-text structures live outside the ORM (see `search.backends`); any migration that rebuilds
    this table on SQLite drops their triggers and must recreate them.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", "公司"
        PERSON = "person", "人物"
        QUOTE = "quote", "引語"
        PARAGRAPH = "paragraph", "段落"

    id = DocumentKeyField(
        primary_key=True, help_text="Kind, month of publication and source in one number: `document_key`."
    )
    kind = models.CharField(max_length=16, choices=Kind)
    object_id = models.BigIntegerField(help_text="The primary key of the row this document indexes.")
    # CASCADE drops a document with its article or its own source, signals or not.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    anchor = models.CharField(max_length=32, blank=True, help_text="The paragraph anchor, if any.")
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the article is (or becomes) public: hidden until then; newer ranks first on ties.",
    )
    position = models.BigIntegerField(default=0, help_text="Order of paragraphs within their article.")
    text = models.TextField(help_text="The searchable text as written; snippets are cut from it.")
    names = models.TextField(blank=True, help_text="Normalised names; a query found here ranks first.")
    normalised = models.TextField(blank=True, help_text="The text normalised by search.text.normalise.")
    tokens = TokensField(blank=True, help_text="Space-separated tokens; the full-text index holds them.")
    indexed_at = models.DateTimeField(auto_now=True)

    objects = SearchDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "object_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique_source"),
            models.CheckConstraint(
                condition=(_owned_by(None) | _owned_by("quote") | _owned_by("company") | _owned_by("person")),
                name="search_document_one_source",
            ),
            models.CheckConstraint(
                condition=Q(object_id=F("id").bitand(SOURCE_MASK))
                & Q(*(_key_range(kind) for kind in KIND_RANKS), _connector=Q.OR),
                name="search_document_key_layout",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self):
        return self.url
