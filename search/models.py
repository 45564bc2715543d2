"""The search index: one row per searchable thing a reader may see."""

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from articles.models import Article, Paragraph
from landscape.models import Company, Person, Quote

from .backends import TokensField

OWNERS = ("paragraph", "quote", "company", "person")


def _owned_by(owner: str) -> Q:
    """Return the condition that a row of kind `owner` points at one source row, and only that one."""
    condition = Q(kind=owner, **{f"{owner}__isnull": False, owner: F("object_id")})
    for other in OWNERS:
        if other != owner:
            condition &= Q(**{f"{other}__isnull": True})
    # Paragraphs and quotes are public with their article; companies and people on their own.
    return condition & Q(article__isnull=owner in ("company", "person"))


class SearchDocumentQuerySet(models.QuerySet):
    def visible(self, now=None):
        """Documents a reader may see now: the article or entity behind each is published.

        The index only ever holds published content; checking again here keeps a scheduled article
        hidden until its time, and keeps anything unpublished behind the ORM's back (a bulk `update()`
        sends no signal) out of the results until the index catches up.
        """

        # Correlated EXISTS checks look up each matched document's source by primary key, so the cost
        # follows the matches, not the size of the site; they reuse each model's own `published()`.
        def source_published(field, queryset):
            return Q(**{f"{field}__isnull": True}) | Exists(queryset.filter(pk=OuterRef(field)))

        return self.filter(
            source_published("article", Article.objects.published(now or timezone.now())),
            source_published("company", Company.objects.published()),
            source_published("person", Person.objects.published()),
        )

    def matching(self, query):
        """Documents holding every token of a `search.text.ParsedQuery`, found through the index."""
        return self.filter(tokens__matches=query)


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

    kind = models.CharField(max_length=16, choices=Kind)
    object_id = models.BigIntegerField(help_text="The primary key of the row this document indexes.")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # One of these is set, by kind; CASCADE drops the document with its source, signals or not.
    paragraph = models.ForeignKey(
        Paragraph, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    anchor = models.CharField(max_length=32, blank=True, help_text="The paragraph anchor, if any.")
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
                condition=(
                    _owned_by("paragraph") | _owned_by("quote") | _owned_by("company") | _owned_by("person")
                ),
                name="search_document_one_source",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self):
        return self.url
