"""Search published paragraphs, companies, people and quotes; the website and the API both call this.

    search(query: str, *, types=None, limit=20, offset=0, grouped=False) -> SearchResults

- `query`: what the reader typed, in either script; Latin words match as prefixes, case-insensitively;
  CJK text matches by characters (one) or neighbouring pairs (two or more). Punctuation and full-text
  syntax (`"`, `*`, `NEAR(`, `AND`…) are plain text. Queries longer than `MAX_QUERY_LENGTH` characters
  are cut (`results.truncated`). A query without letters, digits or CJK finds nothing.
- `types`: an iterable of `SearchDocument.Kind` values ("paragraph", "company", "person", "quote") to
  keep; None keeps all. An unknown type raises ValueError.
- `limit` (clamped to 0..MAX_LIMIT) and `offset`: the page of hits.
- `grouped`: order by type first (companies, people, quotes, paragraphs), then by rank, as the search
  page shows them; by default hits are in rank order whatever their type.

Rank: the whole query found in a name (company, person, alias, speaker) first, then found as typed in
the text, then by how often the query's terms occur (capped); ties go to companies, people, quotes, then
paragraphs, newer articles first and in reading order. Computed in SQL the same way on SQLite and
PostgreSQL, so both return the same hits in the same order.

`SearchResults` carries `hits` (a list of `SearchHit`), `total` (all matches of the kept types),
`counts` (matches per type, whatever `types` keeps, for facets), the normalised `terms`, `limit`,
`offset` and `truncated`. Each `SearchHit` has `type`, `object_id`, `title`, `url` (a paragraph or
quote hit links to `article_url#anchor`), `anchor`, `snippet_html` (escaped text in its original
script with <mark> around matches, safe to render), `snippet_text` (the same window without markup)
and `score`.

Two queries at most: one counts the matches per type, one fetches the page.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Value, When
from django.db.models.functions import Least, Length, Replace
from django.utils.safestring import SafeString, mark_safe

from .models import SearchDocument
from .text import MAX_QUERY_LENGTH, ParsedQuery, parse_query, snippet

Kind = SearchDocument.Kind

MAX_LIMIT = 100
TYPE_ORDER = (Kind.COMPANY, Kind.PERSON, Kind.QUOTE, Kind.PARAGRAPH)
# Score parts: whole query in a name, whole query in the text, then occurrences up to this cap.
NAME_SCORE, PHRASE_SCORE, MAX_OCCURRENCE_SCORE = 100, 50, 49

__all__ = ["MAX_LIMIT", "MAX_QUERY_LENGTH", "SearchHit", "SearchResults", "search"]


@dataclass(frozen=True)
class SearchHit:
    type: str
    object_id: int
    title: str
    url: str
    anchor: str
    snippet_html: SafeString
    snippet_text: str
    score: int


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    terms: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0
    truncated: bool = False

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def _score(query: ParsedQuery):
    """Return the rank as an integer SQL expression that SQLite and PostgreSQL evaluate alike."""
    occurrences = Value(0)
    for term in query.terms:
        # Each occurrence shortens the text by the term's length when the term is replaced away.
        removed = Length("normalised") - Length(Replace("normalised", Value(term.text), Value("")))
        occurrences = occurrences + removed / Value(len(term.text))
    return (
        Case(When(names__contains=query.phrase, then=Value(NAME_SCORE)), default=Value(0))
        + Case(When(normalised__contains=query.phrase, then=Value(PHRASE_SCORE)), default=Value(0))
        + Least(occurrences, Value(MAX_OCCURRENCE_SCORE))
    )


def _type_rank():
    return Case(
        *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(TYPE_ORDER)),
        output_field=IntegerField(),
    )


def _check_types(types: Iterable[str] | None) -> list[str] | None:
    if types is None:
        return None
    types = list(dict.fromkeys(types))
    unknown = set(types) - set(Kind.values)
    if unknown:
        expected = ", ".join(Kind.values)
        raise ValueError(f"Unknown search types: {', '.join(sorted(unknown))}; expected {expected}.")
    return types


def search(
    query: str, *, types: Iterable[str] | None = None, limit: int = 20, offset: int = 0, grouped: bool = False
) -> SearchResults:
    """Return the page of published documents matching `query`, best first, with the total count."""
    types = _check_types(types)
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    parsed = parse_query(query)
    results = {
        "query": parsed.raw,
        "terms": tuple(term.text for term in parsed.terms),
        "limit": limit,
        "offset": offset,
        "truncated": parsed.truncated,
    }
    if not parsed or types == []:
        return SearchResults(**results)

    matches = SearchDocument.objects.matching(parsed).visible()
    counts = {
        row["kind"]: row["n"]
        for row in matches.order_by().values("kind").annotate(n=Count("pk")).values("kind", "n")
    }
    if types is not None:
        matches = matches.filter(kind__in=types)
    total = sum(n for kind, n in counts.items() if types is None or kind in types)
    if not total or offset >= total or not limit:
        return SearchResults(**results, total=total, counts=counts)

    ordering = [
        "-score",
        "type_rank",
        F("article__publish_at").desc(nulls_last=True),
        "position",
        "object_id",
    ]
    if grouped:
        ordering.insert(0, ordering.pop(1))
    page = (
        matches.annotate(score=_score(parsed), type_rank=_type_rank())
        .only("kind", "object_id", "title", "url", "anchor", "text")
        .order_by(*ordering)[offset : offset + limit]
    )
    hits = []
    for document in page:
        cut = snippet(document.text, parsed)
        hits.append(
            SearchHit(
                type=document.kind,
                object_id=document.object_id,
                title=document.title,
                url=document.url,
                anchor=document.anchor,
                # The snippet escapes every piece of text itself and adds only <mark> tags.
                snippet_html=mark_safe(cut.html),
                snippet_text=cut.text,
                score=document.score,
            )
        )
    return SearchResults(**results, hits=hits, total=total, counts=counts)
