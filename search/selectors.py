"""Search published paragraphs, companies, people and quotes; the website and the API both call this.

    search(query: str, *, types=None, limit=20, offset=0, grouped=False, now=None) -> SearchResults

- `query`: what the reader typed, in either script; Latin words match as prefixes, case-insensitively;
  CJK text matches by characters (one) or neighbouring pairs (two or more). Punctuation and full-text
  syntax (`"`, `*`, `NEAR(`, `AND`…) are plain text. Queries longer than `MAX_QUERY_LENGTH` characters
  are cut (`results.truncated`). A query without letters, digits or CJK finds nothing.
- `types`: an iterable of `SearchDocument.Kind` values ("paragraph", "company", "person", "quote") to
  keep; None keeps all. An unknown type raises ValueError.
- `limit` (clamped to 0..MAX_LIMIT) and `offset`: the page of hits.
- `grouped`: order by type first (companies, people, quotes, paragraphs), then by rank, as the search
  page shows them; by default hits are in rank order whatever their type.
- `now`: the moment whose readers are asked about (scheduled articles show from their time on).

Bounded cost: of each type, search ranks the `MAX_RANKED` newest matches (newest by the month their
article was published, then by source), read from the index newest first (`search.backends`); a common
character found in 240,000 paragraphs costs what a word found in a thousand does. Where more matched,
`counts` says `MAX_RANKED` for that type and `total_capped` is set: the total is then a lower bound, and
the hits are the best of the newest.

Rank: the whole query found in a name (company, person, alias, speaker) first, then found as typed in
the text, then by how often the query's terms occur (capped); ties go to companies, people, quotes, then
paragraphs, newer articles first and in reading order. The score is computed in SQL the same way on
SQLite and PostgreSQL, over the same windows, so both return the same hits in the same order.

`SearchResults` carries `hits` (a list of `SearchHit`), `total` (the matches of the kept types that can
be paged through), `total_capped`, `counts` (matches per type, whatever `types` keeps, for facets),
`capped` (the types whose count stopped at `MAX_RANKED`), the normalised `terms`, `limit`, `offset`
and `truncated`. Each `SearchHit` has `type`, `object_id`, `title`, `url` (a paragraph or quote hit links
to `article_url#anchor`), `anchor`, `snippet_html` (escaped text in its original script with <mark>
around matches, safe to render), `snippet_text` (the same window without markup) and `score`.

Two queries at most, whatever the number of matches: one reads the windows, scores, counts and sorts
them in the database and returns only the counts and the page's keys (a deep page costs what the first
does), one fetches the page's documents (and checks their sources are still published: a hit unpublished
behind the ORM's back is left out).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import connections
from django.db.models import Case, Value, When
from django.db.models.functions import Least, Length, Replace
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .backends import Window
from .models import SearchDocument, kind_buckets, shown_at
from .text import MAX_QUERY_LENGTH, ParsedQuery, parse_query, snippet

Kind = SearchDocument.Kind

MAX_LIMIT = 100
# Of each type, the newest matches ranked; more matches are counted as this many. What a search costs
# grows with it (every ranked match is scored and sorted): 200 keeps a common character under 50 ms at
# 200,000 paragraphs on a shared machine (bench/search_scale.py), and forty pages of twenty.
MAX_RANKED = 200
TYPE_ORDER = (Kind.COMPANY, Kind.PERSON, Kind.QUOTE, Kind.PARAGRAPH)
TYPE_RANKS = {kind: rank for rank, kind in enumerate(TYPE_ORDER)}
# Score parts: whole query in a name, whole query in the text, then occurrences up to this cap.
NAME_SCORE, PHRASE_SCORE, MAX_OCCURRENCE_SCORE = 100, 50, 49

__all__ = ["MAX_LIMIT", "MAX_QUERY_LENGTH", "MAX_RANKED", "SearchHit", "SearchResults", "search"]


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
    total_capped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    capped: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0
    truncated: bool = False

    @property
    def has_next(self) -> bool:
        return self.offset + max(self.limit, len(self.hits)) < self.total

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


def _check_types(types: Iterable[str] | None) -> list[str] | None:
    if types is None:
        return None
    types = list(dict.fromkeys(types))
    unknown = set(types) - set(Kind.values)
    if unknown:
        expected = ", ".join(Kind.values)
        raise ValueError(f"Unknown search types: {', '.join(sorted(unknown))}; expected {expected}.")
    return types


# The search page's order of types, in SQL.
_TYPE_RANK_SQL = (
    "CASE kind " + " ".join(f"WHEN '{kind}' THEN {rank}" for kind, rank in TYPE_RANKS.items()) + " END"
)
# Best first; ties go to companies, people, quotes, paragraphs, newer articles and reading order, so no two
# documents are equal and both databases return the same page.
_TIE_BREAK_SQL = "publish_at DESC NULLS LAST, position, object_id"
_ORDER_SQL = {
    True: f"{_TYPE_RANK_SQL}, score DESC, {_TIE_BREAK_SQL}",
    False: f"score DESC, {_TYPE_RANK_SQL}, {_TIE_BREAK_SQL}",
}


class _Ranked(NamedTuple):
    """What one query answers: matches per type, the types cut at MAX_RANKED, and the page's (pk, score)."""

    counts: dict[str, int]
    capped: set[str]
    page: list[tuple[int, int]]


def _ranked(
    parsed: ParsedQuery, now: datetime, *, kept: list[str], limit: int, offset: int, grouped: bool
) -> _Ranked:
    """Rank the newest MAX_RANKED + 1 matches of every type in the database; return counts and one page.

    The windows are read from the index newest first; the database numbers each type's matches newest
    first, counts those a reader may see among the first MAX_RANKED, and sorts them, so only the counts
    and the page's keys come back, whatever the number of matches.
    """
    windows = [Window(parsed, *kind_buckets(kind, now), size=MAX_RANKED + 1) for kind in TYPE_ORDER]
    rows = (
        SearchDocument.objects.newest_matching(windows)
        .annotate(
            score=_score(parsed),
            # Scheduled documents of this month hold their place in the window, never shown early.
            shown=Case(When(shown_at(now), then=Value(1)), default=Value(0)),
        )
        .order_by()
        .values_list("pk", "kind", "score", "shown", "publish_at", "position", "object_id")
    )
    matches_sql, matches_params = rows.query.get_compiler(using=rows.db).as_sql()
    kinds = ", ".join(["%s"] * len(kept))
    sql = (
        "WITH numbered AS ("
        "SELECT m.*, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY pk DESC) AS newest "
        f"FROM ({matches_sql}) m) "
        "SELECT kind, SUM(CASE WHEN newest <= %s AND shown = 1 THEN 1 ELSE 0 END), MAX(newest), 0 "
        "FROM numbered GROUP BY kind "
        "UNION ALL "
        # Numbered in their order too: a union promises none.
        f"SELECT * FROM (SELECT NULL, pk, score, ROW_NUMBER() OVER (ORDER BY {_ORDER_SQL[grouped]}) "
        f"FROM numbered WHERE newest <= %s AND shown = 1 AND kind IN ({kinds}) "
        f"ORDER BY {_ORDER_SQL[grouped]} LIMIT %s OFFSET %s) page"
    )
    params = (*matches_params, MAX_RANKED, MAX_RANKED, *kept, limit, offset)
    counts, capped, page = {}, set(), []
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        for kind, first, second, place in cursor.fetchall():
            if place:
                page.append((place, first, second))
                continue
            if first:
                counts[kind] = first
            if second > MAX_RANKED:
                capped.add(kind)
    page.sort()
    return _Ranked(
        {kind: counts[kind] for kind in TYPE_ORDER if kind in counts},
        capped,
        [(pk, score) for _, pk, score in page],
    )


def search(
    query: str,
    *,
    types: Iterable[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    grouped: bool = False,
    now: datetime | None = None,
) -> SearchResults:
    """Return the page of published documents matching `query`, best first, with the counts."""
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

    now = now or timezone.now()
    kept = list(TYPE_ORDER) if types is None else types
    ranked = _ranked(parsed, now, kept=kept, limit=limit, offset=offset, grouped=grouped)
    total = sum(ranked.counts.get(kind, 0) for kind in kept)
    results.update(
        total=total,
        total_capped=bool(ranked.capped & set(kept)),
        counts=ranked.counts,
        capped=frozenset(ranked.capped),
    )
    if not ranked.page:
        return SearchResults(**results)

    page = [pk for pk, _ in ranked.page]
    documents = (
        SearchDocument.objects.visible(now)
        .filter(pk__in=page)
        .only("kind", "object_id", "title", "url", "anchor", "text")
        .order_by()
    )
    by_pk = {document.pk: document for document in documents}
    scores = dict(ranked.page)
    hits = []
    for pk in page:
        document = by_pk.get(pk)
        if document is None:
            continue
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
                score=scores[pk],
            )
        )
    return SearchResults(**results, hits=hits)
