"""Keep the search index in step with published content.

Signals (see `search.signals`) call these after every save; `search_rebuild` recomputes everything and is
safe to run at any time. Only published content is indexed: paragraphs and quotes of articles that
are published or scheduled (a scheduled one becomes visible at its `publish_at`, checked when
searching), and published companies and people. The per-save services join the caller's transaction
without a savepoint: one per save would double their queries, and a failure to index must fail the
save anyway.

    search_index_article(article)   # its paragraphs and quotes
    search_index_entity(obj)        # a Paragraph, Section, Quote, Company or Person
    search_index_owners(company_ids=…, person_ids=…)
    search_index_alias(alias=…)     # also search_remember_alias_owner and search_index_alias_deleted
    search_rebuild() -> RebuildReport
    search_build_empty_index()      # after migrate: fill an index that holds nothing
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.models import Article, Paragraph, Section
from landscape.models import Alias, Company, Person, Quote

from . import backends
from .models import SearchDocument
from .text import document_tokens, normalise

Kind = SearchDocument.Kind

SYNCED_FIELDS = ("article", "title", "url", "anchor", "position", "text", "names", "normalised", "tokens")
# Keeps (section, paragraph) order in one sortable number.
_POSITION_BASE = 2**20


@dataclass
class RebuildReport:
    created: int = 0
    updated: int = 0
    removed: int = 0

    def add(self, other: "RebuildReport") -> None:
        self.created += other.created
        self.updated += other.updated
        self.removed += other.removed


def _indexable_articles():
    # Scheduled ones too: `SearchDocument.objects.visible()` hides them until their time comes.
    return Article.objects.published_or_scheduled()


def _live_articles():
    return _indexable_articles().select_related("live_version")


def _paragraph_documents(articles: Iterable[Article]) -> list[SearchDocument]:
    """Build the documents of the paragraphs each article's live version shows readers.

    A paragraph the working copy has since deleted cannot be pointed at; it leaves the index until the
    next publish, when it leaves the live version too.
    """
    articles = list(articles)
    wanted = [
        (article, section, paragraph)
        for article in articles
        for section in article.live_version.content["sections"]
        for paragraph in section["paragraphs"]
    ]
    existing = set(
        Paragraph.objects.filter(pk__in=[p["id"] for _, _, p in wanted]).values_list("pk", flat=True)
    )
    return [
        _paragraph_document(article, section, paragraph)
        for article, section, paragraph in wanted
        if paragraph["id"] in existing
    ]


def _quotes():
    return (
        Quote.objects.filter(paragraph__section__article__in=_indexable_articles())
        .select_related("speaker", "company", "paragraph__section__article__live_version")
        .defer("paragraph__section__article__live_version__content")
    )


def _companies():
    return Company.objects.published().prefetch_related("aliases")


def _people():
    return Person.objects.published().prefetch_related("aliases")


def _position(section_position: int, paragraph_position: int) -> int:
    return min(section_position, _POSITION_BASE - 1) * _POSITION_BASE + min(
        paragraph_position, _POSITION_BASE - 1
    )


def _document(
    *, kind: str, source, text: str, searchable: str | None = None, names: Iterable[str] = (), **fields
) -> SearchDocument:
    """Build a document showing `text`, found by the words of `searchable` (all of `text` by default)."""
    return SearchDocument(
        kind=kind,
        object_id=source.pk,
        text=text,
        names=" ".join(normalise(name) for name in names if name),
        normalised=normalise(text),
        tokens=document_tokens(text if searchable is None else searchable),
        **{kind: source},
        **fields,
    )


def _paragraph_document(article: Article, section: dict, paragraph: dict) -> SearchDocument:
    """Build the document of one paragraph of a live version (`articles.publication` content)."""
    version = article.live_version
    # Hits from one article differ by the section they stand in.
    title = f"{version.title}｜{section['heading']}" if section["heading"] else version.title
    return _document(
        kind=Kind.PARAGRAPH,
        source=Paragraph(pk=paragraph["id"]),
        text=paragraph["text"],
        article=article,
        title=title[:300],
        url=f"{version.get_absolute_url()}#{paragraph['anchor']}",
        anchor=paragraph["anchor"],
        position=_position(section["position"], paragraph["position"]),
    )


def _quote_document(quote: Quote) -> SearchDocument:
    paragraph = quote.paragraph
    article = paragraph.section.article
    version = article.live_version
    # Named as readers may see the speaker: an unpublished one only as the article wrote them.
    who = quote.public_attribution
    speaker, attribution = who.name, who.text
    return _document(
        kind=Kind.QUOTE,
        source=quote,
        text=f"“{quote.text}”——{attribution}" if attribution else f"“{quote.text}”",
        # Found by its words and its speaker only: a role such as 百川智能創始人 would make every quote
        # of a founder a hit for the company's name. The snippet still shows role and occasion.
        searchable=f"{quote.text} {speaker}",
        names=[speaker],
        article=article,
        title=speaker or version.title,
        url=f"{version.get_absolute_url()}#{paragraph.anchor}",
        anchor=paragraph.anchor,
        position=_position(paragraph.section.position, paragraph.position),
    )


def _entity_document(kind: str, entity, about: str) -> SearchDocument:
    aliases = [alias.name for alias in entity.aliases.all()]
    names = f"{entity.name_zh}（{entity.name_en}）" if entity.name_en else entity.name_zh
    parts = [names, f"又稱：{'、'.join(aliases)}" if aliases else "", about]
    return _document(
        kind=kind,
        source=entity,
        text=" · ".join(part for part in parts if part),
        names=[entity.name_zh, entity.name_en, *aliases],
        title=entity.name_zh,
        url=entity.get_absolute_url(),
    )


def _sync(kind: str, scope: Q, documents: Iterable[SearchDocument]) -> RebuildReport:
    """Make the documents of `kind` within `scope` exactly `documents`, touching only what changed."""
    existing = {doc.object_id: doc for doc in SearchDocument.objects.filter(scope, kind=kind)}
    report = RebuildReport()
    to_create, to_update = [], []
    for document in documents:
        current = existing.pop(document.object_id, None)
        if current is None:
            to_create.append(document)
            continue
        changed = False
        for name in SYNCED_FIELDS:
            attname = SearchDocument._meta.get_field(name).attname
            if getattr(current, attname) != getattr(document, attname):
                setattr(current, attname, getattr(document, attname))
                changed = True
        if changed:
            to_update.append(current)
    if existing:
        SearchDocument.objects.filter(pk__in=[doc.pk for doc in existing.values()]).delete()
    # An upsert: two requests indexing the same new source at once (an editor saving a paragraph while
    # another publishes its article) must not fail on the unique constraint.
    SearchDocument.objects.bulk_create(
        to_create,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=[*SYNCED_FIELDS, "indexed_at"],
    )
    if to_update:
        now = timezone.now()
        for document in to_update:
            document.indexed_at = now
        SearchDocument.objects.bulk_update(to_update, [*SYNCED_FIELDS, "indexed_at"])
    report.created, report.updated, report.removed = len(to_create), len(to_update), len(existing)
    return report


def _index_quotes(quote_ids: Iterable[int]) -> None:
    ids = set(quote_ids)
    if ids:
        _sync(Kind.QUOTE, Q(object_id__in=ids), map(_quote_document, _quotes().filter(pk__in=ids)))


def _index_companies(company_ids: Iterable[int]) -> None:
    ids = {pk for pk in company_ids if pk is not None}
    if ids:
        documents = (_entity_document(Kind.COMPANY, c, c.summary) for c in _companies().filter(pk__in=ids))
        _sync(Kind.COMPANY, Q(object_id__in=ids), documents)


def _index_people(person_ids: Iterable[int]) -> None:
    ids = {pk for pk in person_ids if pk is not None}
    if ids:
        documents = (_entity_document(Kind.PERSON, p, p.bio) for p in _people().filter(pk__in=ids))
        _sync(Kind.PERSON, Q(object_id__in=ids), documents)


@transaction.atomic(savepoint=False)
def search_index_article(article: Article) -> None:
    """Index the paragraphs of the article's live version and its quotes if it is public, else remove them.

    Edits to the working copy change nothing here: the index follows what readers see, and an article's
    save after each publish (it sets the live version) re-indexes it.
    """
    live = list(_live_articles().filter(pk=article.pk))
    documents = _paragraph_documents(live)
    paragraph_ids = {document.object_id for document in documents}
    paragraph_ids |= set(Paragraph.objects.filter(section__article=article).values_list("pk", flat=True))
    _sync(Kind.PARAGRAPH, Q(article=article) | Q(object_id__in=paragraph_ids), documents)
    stale = SearchDocument.objects.filter(article=article)
    quote_ids = set(Quote.objects.filter(paragraph__in=paragraph_ids).values_list("pk", flat=True))
    quote_ids |= set(stale.filter(kind=Kind.QUOTE).values_list("object_id", flat=True))
    _index_quotes(quote_ids)


@transaction.atomic(savepoint=False)
def search_index_entity(obj: Paragraph | Section | Quote | Company | Person) -> None:
    """Index one paragraph (with its quotes), section, quote, company or person, or remove it if hidden."""
    match obj:
        # Paragraphs are indexed as their article's live version has them (`search_index_article`); a
        # paragraph or section saved changes the working copy only, and where its quotes point.
        case Section():
            _index_quotes(Quote.objects.filter(paragraph__section=obj).values_list("pk", flat=True))
        case Paragraph():
            _index_quotes(Quote.objects.filter(paragraph=obj).values_list("pk", flat=True))
        case Quote():
            _index_quotes([obj.pk])
        case Company():
            _index_companies([obj.pk])
        case Person():
            _index_people([obj.pk])
            # A quote document names its speaker.
            _index_quotes(obj.quotes.values_list("pk", flat=True))
        case _:
            raise TypeError(f"Cannot index {type(obj).__name__}.")


@transaction.atomic(savepoint=False)
def search_index_owners(*, company_ids: Iterable[int] = (), person_ids: Iterable[int] = ()) -> None:
    """Index these companies and people again, e.g. after one of their aliases changed."""
    _index_companies(company_ids)
    _index_people(person_ids)


def search_remember_alias_owner(*, alias: Alias) -> None:
    """Remember whose alias this was before it is saved: one moved to another entity leaves that one too."""
    alias._search_former_owner = (
        Alias.objects.filter(pk=alias.pk).values_list("company_id", "person_id").first() if alias.pk else None
    ) or (None, None)


def search_index_alias(*, alias: Alias) -> None:
    """Index again the company or person an alias just saved names, and the one it named before."""
    former_company, former_person = getattr(alias, "_search_former_owner", (None, None))
    search_index_owners(
        company_ids=[alias.company_id, former_company], person_ids=[alias.person_id, former_person]
    )


def search_index_alias_deleted(*, alias: Alias, origin=None) -> None:
    """Index again the owner of an alias just deleted, unless the deletion started from the owner itself.

    `origin` is what the deletion started from (the post_delete signal's origin). When the owner itself is
    being deleted, re-indexing it is wasted work at best, and at worst, should the aliases go before their
    owner, writes a document for a row about to disappear.
    """
    if isinstance(origin, Alias) or (isinstance(origin, QuerySet) and origin.model is Alias):
        search_index_owners(company_ids=[alias.company_id], person_ids=[alias.person_id])


def search_build_empty_index(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Fill the index when it exists but holds nothing, as after the migrate that creates it.

    Existing content is then searchable at once. The index lives in the default database only.
    """
    if using != DEFAULT_DB_ALIAS:
        return
    if SearchDocument._meta.db_table not in connections[using].introspection.table_names():
        return
    if not SearchDocument.objects.exists():
        search_rebuild()


@transaction.atomic
def search_rebuild() -> RebuildReport:
    """Recompute every document from the published content; running it twice changes nothing."""
    report = RebuildReport()
    everything = Q()
    report.add(_sync(Kind.PARAGRAPH, everything, _paragraph_documents(_live_articles())))
    report.add(_sync(Kind.QUOTE, everything, map(_quote_document, _quotes())))
    companies = (_entity_document(Kind.COMPANY, c, c.summary) for c in _companies())
    report.add(_sync(Kind.COMPANY, everything, companies))
    report.add(_sync(Kind.PERSON, everything, (_entity_document(Kind.PERSON, p, p.bio) for p in _people())))
    # Repairs an FTS table that drifted from the documents, say after a restore that skipped triggers.
    backends.resync(connection)
    return report
