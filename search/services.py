"""Keep the search index in step with what readers see.

What readers see of an article is its live version (`articles.publication`): the index holds the
paragraphs of the live version of each published or scheduled article (a scheduled one stays hidden
until its `publish_at`, which each document carries), so editing or deleting paragraphs of the working
copy changes nothing here until an editor publishes (`version_published`). Quotes, companies and people
are indexed from their rows, published ones only. What is withdrawn leaves at once: an article
unpublished or archived (its save), a company or person unpublished, a quote deleted (CASCADE). The
per-save services join the caller's transaction without a savepoint: one per save would double their
queries, and a failure to index must fail the save anyway.

    search_index_article(article)   # its live version's paragraphs and its quotes
    search_index_entity(obj)        # a Paragraph or Section (their quotes), Quote, Company or Person
    search_index_owners(company_ids=…, person_ids=…)
    search_index_alias(alias=…)     # also search_remember_alias_owner and search_index_alias_deleted
    search_rebuild(progress=…, repair=False) -> RebuildReport   # in batches, memory independent of size
    search_build_empty_index()      # after migrate: fill an index that holds nothing
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import StrIndex
from django.utils import timezone

from articles.models import Article, Paragraph, Section
from core.frontcache import SEARCH_TAG, purge
from landscape.models import Alias, Company, Person, Quote

from . import backends
from .models import SearchDocument, document_key
from .text import document_tokens, normalise

Kind = SearchDocument.Kind

SYNCED_FIELDS = (
    "article",
    "title",
    "url",
    "anchor",
    "publish_at",
    "position",
    "text",
    "names",
    "normalised",
    "tokens",
)
# Keeps (section, paragraph) order in one sortable number.
_POSITION_BASE = 2**20
# A rebuild holds one batch at a time: this many articles (their paragraphs), or quotes, companies, people.
ARTICLES_PER_BATCH = 100
ROWS_PER_BATCH = 2000

# progress(what, done, total), called after each batch of a rebuild.
Progress = Callable[[str, int, int], None]


@dataclass
class RebuildReport:
    created: int = 0
    updated: int = 0
    removed: int = 0

    def add(self, other: "RebuildReport") -> None:
        self.created += other.created
        self.updated += other.updated
        self.removed += other.removed

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def _purge_if_changed(report: RebuildReport) -> RebuildReport:
    """Ban cached search pages and API answers once the transaction commits, if any document changed."""
    if report:
        purge(SEARCH_TAG)
    return report


def _indexable_articles():
    # Scheduled ones too: each document carries its article's `publish_at`, which hides it until then.
    return Article.objects.published_or_scheduled()


def _live_articles():
    return _indexable_articles().select_related("live_version")


def _paragraph_documents(articles: Iterable[Article]) -> list[SearchDocument]:
    """Build the documents of the paragraphs each article's live version shows readers, as published."""
    documents = []
    for article in articles:
        address = article.live_version.get_absolute_url()
        for section in article.live_version.content["sections"]:
            documents += (
                _paragraph_document(article, section, paragraph, address=address)
                for paragraph in section["paragraphs"]
            )
    return documents


def _quotes():
    """Quotes readers may see: of a public article, on a paragraph its live version shows with their words.

    A quote belongs to the working copy: one added to a paragraph not yet published, or citing words only
    the working copy has, waits for the next publish. Where it points is the live paragraph's, from its
    document (which the live version gave the index before its quotes are indexed).
    """
    # A correlated EXISTS, not `article__in`: asked for a batch of quotes, SQLite would otherwise start
    # from the articles and walk every quote of the site (25 s for 2,000 quotes at 100,000).
    indexable = _indexable_articles().filter(pk=OuterRef("paragraph__section__article"))
    live = (
        SearchDocument.objects.filter(
            kind=Kind.PARAGRAPH,
            object_id=OuterRef("paragraph_id"),
            article=OuterRef("paragraph__section__article"),
        )
        .alias(cites=StrIndex("text", OuterRef("text")))
        .filter(cites__gt=0)
        .order_by()
    )
    return (
        Quote.objects.filter(Exists(indexable), Exists(live))
        .annotate(
            live_url=Subquery(live.values("url")[:1]),
            live_anchor=Subquery(live.values("anchor")[:1]),
            live_position=Subquery(live.values("position")[:1]),
        )
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
    *,
    kind: str,
    source,
    text: str,
    searchable: str | None = None,
    names: Iterable[str] = (),
    publish_at=None,
    **fields,
) -> SearchDocument:
    """Build a document showing `text`, found by the words of `searchable` (all of `text` by default)."""
    return SearchDocument(
        id=document_key(kind, source.pk, publish_at),
        kind=kind,
        publish_at=publish_at,
        object_id=source.pk,
        text=text,
        names=" ".join(normalise(name) for name in names if name),
        normalised=normalise(text),
        tokens=document_tokens(text if searchable is None else searchable),
        **({kind: source} if kind != Kind.PARAGRAPH else {}),
        **fields,
    )


def _paragraph_document(
    article: Article, section: dict, paragraph: dict, *, address: str | None = None
) -> SearchDocument:
    """Build the document of one paragraph of a live version (`articles.publication` content).

    `address` is the version's URL, when the caller has it for all the article's paragraphs.
    """
    version = article.live_version
    # Hits from one article differ by the section they stand in.
    title = f"{version.title}｜{section['heading']}" if section["heading"] else version.title
    return _document(
        kind=Kind.PARAGRAPH,
        source=Paragraph(pk=paragraph["id"]),
        text=paragraph["text"],
        article=article,
        publish_at=article.publish_at,
        title=title[:300],
        url=f"{address or version.get_absolute_url()}#{paragraph['anchor']}",
        anchor=paragraph["anchor"],
        position=_position(section["position"], paragraph["position"]),
    )


def _quote_document(quote: Quote) -> SearchDocument:
    """Build the document of a quote from `_quotes()`, pointing at its live paragraph."""
    article = quote.paragraph.section.article
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
        publish_at=article.publish_at,
        title=speaker or version.title,
        url=quote.live_url,
        anchor=quote.live_anchor,
        position=quote.live_position,
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
    """Make the documents of `kind` within `scope` exactly `documents`, touching only what changed.

    A source indexed elsewhere (a paragraph its article's version shares with another's) is taken over,
    and one whose key changed (its article now published in another month) is replaced.
    """
    documents = list(documents)
    wanted = Q(object_id__in=[document.object_id for document in documents]) if documents else Q(pk__in=[])
    existing = {doc.object_id: doc for doc in SearchDocument.objects.filter(scope | wanted, kind=kind)}
    to_create, moved, changed, replaced = [], [], [], []
    for document in documents:
        current = existing.pop(document.object_id, None)
        if current is None:
            to_create.append(document)
        elif current.pk != document.pk:
            replaced.append(current.pk)
            moved.append(document)
        elif _copy_changes(document, current):
            changed.append(current)
    removed = [doc.pk for doc in existing.values()]
    if removed or replaced:
        SearchDocument.objects.filter(pk__in=removed + replaced).delete()
    # An upsert: two requests indexing the same new source at once (an editor saving a quote while
    # another publishes its article) must not fail on the primary key.
    SearchDocument.objects.bulk_create(
        to_create + moved,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=[*SYNCED_FIELDS, "indexed_at"],
    )
    if changed:
        now = timezone.now()
        for document in changed:
            document.indexed_at = now
        SearchDocument.objects.bulk_update(changed, [*SYNCED_FIELDS, "indexed_at"], batch_size=500)
    return RebuildReport(created=len(to_create), updated=len(moved) + len(changed), removed=len(removed))


def _copy_changes(source: SearchDocument, target: SearchDocument) -> bool:
    """Copy the synced fields that differ from `source` to `target`; return whether any did."""
    changed = False
    for name in SYNCED_FIELDS:
        attname = SearchDocument._meta.get_field(name).attname
        if getattr(target, attname) != getattr(source, attname):
            setattr(target, attname, getattr(source, attname))
            changed = True
    return changed


def _index_quotes(quote_ids: Iterable[int]) -> RebuildReport:
    ids = set(quote_ids)
    if not ids:
        return RebuildReport()
    return _sync(Kind.QUOTE, Q(object_id__in=ids), map(_quote_document, _quotes().filter(pk__in=ids)))


def _index_companies(company_ids: Iterable[int]) -> RebuildReport:
    ids = {pk for pk in company_ids if pk is not None}
    if not ids:
        return RebuildReport()
    documents = (_entity_document(Kind.COMPANY, c, c.summary) for c in _companies().filter(pk__in=ids))
    return _sync(Kind.COMPANY, Q(object_id__in=ids), documents)


def _index_people(person_ids: Iterable[int]) -> RebuildReport:
    ids = {pk for pk in person_ids if pk is not None}
    if not ids:
        return RebuildReport()
    documents = (_entity_document(Kind.PERSON, p, p.bio) for p in _people().filter(pk__in=ids))
    return _sync(Kind.PERSON, Q(object_id__in=ids), documents)


@transaction.atomic(savepoint=False)
def search_index_article(article: Article) -> None:
    """Index the paragraphs of the article's live version and its quotes if it is public, else remove them.

    Edits to the working copy change nothing here: the index follows what readers see, and publishing
    (`version_published`) or a change of status (the article's save) re-indexes it.
    """
    documents = _paragraph_documents(_live_articles().filter(pk=article.pk))
    _sync(Kind.PARAGRAPH, Q(article=article), documents)
    quote_ids = set(Quote.objects.filter(paragraph__section__article=article).values_list("pk", flat=True))
    quote_ids |= set(
        SearchDocument.objects.filter(article=article, kind=Kind.QUOTE).values_list("object_id", flat=True)
    )
    _index_quotes(quote_ids)


@transaction.atomic(savepoint=False)
def search_index_entity(obj: Paragraph | Section | Quote | Company | Person) -> None:
    """Index one paragraph (with its quotes), section, quote, company or person, or remove it if hidden."""
    match obj:
        # Paragraphs are indexed as their article's live version has them (`search_index_article`); a
        # paragraph or section saved changes the working copy only, and where its quotes point. When a
        # quote's document moved with it, the search results that showed it are banned here: every other
        # change bans search where it happens (articles/frontcache.py, landscape/frontcache.py).
        case Section():
            _purge_if_changed(
                _index_quotes(Quote.objects.filter(paragraph__section=obj).values_list("pk", flat=True))
            )
        case Paragraph():
            _purge_if_changed(_index_quotes(Quote.objects.filter(paragraph=obj).values_list("pk", flat=True)))
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


@dataclass(frozen=True)
class _Sources:
    """What a rebuild indexes of one kind: its sources, their documents, and the field naming the source."""

    kind: str
    unit: str
    owner: str
    queryset: Callable[[], QuerySet]
    documents: Callable[[QuerySet], Iterable[SearchDocument]]
    batch_size: int


def _entity_sources(kind: str, unit: str, queryset: Callable[[], QuerySet], about: str) -> _Sources:
    return _Sources(
        kind=kind,
        unit=unit,
        owner=kind,
        queryset=queryset,
        documents=lambda batch: (_entity_document(kind, entity, getattr(entity, about)) for entity in batch),
        batch_size=ROWS_PER_BATCH,
    )


REBUILT = (
    _Sources(
        kind=Kind.PARAGRAPH,
        unit="articles",
        owner="article",
        queryset=_live_articles,
        documents=_paragraph_documents,
        batch_size=ARTICLES_PER_BATCH,
    ),
    _Sources(
        kind=Kind.QUOTE,
        unit="quotes",
        owner="quote",
        queryset=_quotes,
        documents=lambda batch: map(_quote_document, batch),
        batch_size=ROWS_PER_BATCH,
    ),
    _entity_sources(Kind.COMPANY, "companies", _companies, "summary"),
    _entity_sources(Kind.PERSON, "people", _people, "bio"),
)


def _rebuild(sources: _Sources, progress: Progress | None) -> RebuildReport:
    """Sync the documents of one kind with all its sources, a batch at a time, and drop all others."""
    kept = Q(**{f"{sources.owner}__in": sources.queryset().values("pk")})
    report = RebuildReport()
    report.removed, _ = SearchDocument.objects.filter(kind=sources.kind).exclude(kept).delete()
    ids = list(sources.queryset().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), sources.batch_size):
        batch = ids[start : start + sources.batch_size]
        documents = sources.documents(sources.queryset().filter(pk__in=batch))
        report.add(_sync(sources.kind, Q(**{f"{sources.owner}__in": batch}), documents))
        if progress:
            progress(sources.unit, start + len(batch), len(ids))
    return report


@transaction.atomic
def search_rebuild(*, progress: Progress | None = None, repair: bool = False) -> RebuildReport:
    """Recompute every document from what readers see; running it twice changes nothing.

    It holds one batch of sources at a time, so its memory does not grow with the site; `progress` is
    told after each batch. Into an empty index, the full-text structures are built once at the end.
    `repair` also rebuilds SQLite's full-text table from the documents, as after a restore that skipped
    the triggers (PostgreSQL's index cannot drift).
    """
    report = RebuildReport()
    if SearchDocument.objects.exists():
        for sources in REBUILT:
            report.add(_rebuild(sources, progress))
        if repair:
            backends.resync(connection)
        # A repaired full-text table may answer otherwise than it did, whatever the documents say.
        if report or repair:
            purge(SEARCH_TAG)
        return report
    with backends.built_afterwards(connection):
        for sources in REBUILT:
            report.add(_rebuild(sources, progress))
    return _purge_if_changed(report)


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
