"""Read API search: `/api/v1/search?q=` over published paragraphs, quotes, companies and people."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core.apitools import LIST_ERRORS, Page, ScriptText, Variant
from core.frontcache import SEARCH_TAG, cache_tags
from search.selectors import MAX_RANKED, SearchHit, SearchResults, search

router = Router(tags=["search"])

HitType = Literal["paragraph", "quote", "company", "person"]


class SearchHitOut(Schema):
    """One match: a paragraph or a quote (with its anchor), or a company or person page."""

    type: HitType
    title: ScriptText = Field(description="The article's title, the speaker, or the entity's name.")
    snippet: ScriptText = Field(description="A window of the matching text.")
    snippet_html: ScriptText = Field(description="The same window, HTML-escaped, with <mark> around matches.")
    url: str = Field(description="The match on the website; for a paragraph or quote, with its #anchor.")
    anchor: str | None = Field(description="The paragraph's anchor, for paragraphs and quotes.")

    @staticmethod
    def resolve_snippet(hit: SearchHit) -> str:
        return hit.snippet_text

    @staticmethod
    def resolve_url(hit: SearchHit, context) -> str:
        return context["request"].build_absolute_uri(hit.url)

    @staticmethod
    def resolve_anchor(hit: SearchHit) -> str | None:
        return hit.anchor or None


class SearchPage(Page):
    """`limit`/`offset` pages of hits, and whether the count stopped at what search ranks."""

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="The hits that can be paged through.")
        count_capped: bool = Field(
            description=(
                f"True when more documents of a type matched than search ranks ({MAX_RANKED:,} of each, "
                "the newest): `count` is then a lower bound."
            )
        )

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        return {**page, "count_capped": queryset.results.total_capped}


class SearchHits:
    """Let `@paginate` page through search results: slicing runs the search, `len()` is the total."""

    def __init__(self, query: str, types: list[str] | None):
        self.query = query
        self.types = types
        self.results: SearchResults | None = None

    def __getitem__(self, page: slice) -> list[SearchHit]:
        self.results = search(self.query, types=self.types, limit=page.stop - page.start, offset=page.start)
        return self.results.hits

    def __len__(self) -> int:
        if self.results is None:
            self.results = search(self.query, types=self.types, limit=0)
        return self.results.total


class SearchFilters(Schema):
    q: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="What to look for, in either script; two Chinese characters are enough.",
        examples=["算力"],
    )
    type: HitType | None = Field(None, description="Only hits of this type.")
    variant: Variant | None = None


@router.get(
    "/search",
    response={200: list[SearchHitOut], **LIST_ERRORS},
    summary="Search",
    # Named as before the router moved here: clients generated from the schema keep their method names.
    operation_id="config_search_api_search_published",
)
@paginate(SearchPage)
def search_published(request: HttpRequest, filters: Query[SearchFilters]):
    """Search published paragraphs, quotes, companies and people, best match first.

    Of each type the newest matches are ranked; where more matched, `count_capped` is true.
    """
    cache_tags(request, SEARCH_TAG)
    return SearchHits(filters.q, [filters.type] if filters.type else None)
