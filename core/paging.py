"""Pages of the reader's lists: numbered near the top, "older" and "newer" links beyond, none a scan.

    page = page_or_404(request, queryset, per_page=20)

As a news site pages an archive: the first pages are numbered (`?page=2`, up to the page holding row
`NUMBERED_ROWS`, so an offset never steps over more rows than that); past them each page is reached by
keyset links from the one before (`?after=<cursor>`, `?before=<cursor>`, `core.keyset`), which seek in
the list's index and cost what the first page does however deep the reader goes. A page beyond the
numbered ones, or a cursor this site did not give, is a 404 that says so.

The page carries what its templates need (`templates/_pagination.html` for the links under a list,
`templates/_pagination_head.html` for `rel=prev/next`): `object_list`, `number` (None on a keyset page),
`canonical_url`, `previous_url`, `next_url`, `first_url`, and `links`, the page numbers to show
(`number` None where some are left out). Its `paginator` says how many rows the list holds, counted up
to `COUNT_LIMIT` (as far as the numbered pages go), `count_is_exact` false beyond. The links keep the
request's other parameters (filters, script); the canonical address keeps only those that make another
list, and the cursor. Page 1 is always the address without `?page=`.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, QueryDict

from core import keyset

# How deep numbered pages reach: the page holding this row is the last with a number.
NUMBERED_ROWS = 1_000
# Counting stops here, where the numbered pages do: a list beyond says "1,000+". Counting on to 10,000,
# as the API does, cost 20 ms of every page of the article and quote lists at 10,000 articles.
COUNT_LIMIT = NUMBERED_ROWS
# The parameters a page is addressed by; every link to another page replaces them.
PAGE_PARAMETERS = ("page", "after", "before")


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None stands for the pages left out between two numbers
    url: str = ""
    current: bool = False


class CappedCount:
    """How many rows a list holds, counted to at most `COUNT_LIMIT`: beyond, `count_is_exact` is false.

    An exact count of a huge list costs a scan of it on every page; a reader needs "1,000+" and the
    numbered pages (filters narrow the rest). One query, when first asked.
    """

    def __init__(self, items, per_page: int):
        self.items = items
        self.per_page = per_page

    @cached_property
    def _counted(self) -> int:
        if not isinstance(self.items, QuerySet):
            return len(self.items)
        return self.items.order_by()[: COUNT_LIMIT + 1].count()

    @property
    def count(self) -> int:
        return min(self._counted, COUNT_LIMIT)

    @property
    def count_is_exact(self) -> bool:
        return self._counted <= COUNT_LIMIT

    @property
    def num_pages(self) -> int:
        """The numbered pages: those over the rows counted, up to the one holding row NUMBERED_ROWS."""
        return max(1, min(math.ceil(self.count / self.per_page), math.ceil(NUMBERED_ROWS / self.per_page)))

    @property
    def continues(self) -> bool:
        """Whether rows follow the last numbered page (reached through its "older" link)."""
        return self._counted > self.num_pages * self.per_page


@dataclass
class ListPage:
    """One page of a list, numbered or reached by a cursor; the names follow Django's `Page`."""

    object_list: list[Any]
    paginator: CappedCount
    number: int | None
    canonical_url: str
    first_url: str
    previous_url: str = ""
    next_url: str = ""
    links: list[PageLink] = field(default_factory=list)

    @property
    def is_numbered(self) -> bool:
        return self.number is not None

    def has_previous(self) -> bool:
        return bool(self.previous_url)

    def has_next(self) -> bool:
        return bool(self.next_url)

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def start_index(self) -> int | None:
        """The 1-based place of the first row on a numbered page (None on a keyset page)."""
        if self.number is None:
            return None
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int | None:
        if self.number is None:
            return None
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_or_404(
    request: HttpRequest, items: QuerySet, *, per_page: int, identifying: Iterable[str] = ()
) -> ListPage:
    """Return the page of the ordered queryset `items` the request names (the first without one).

    `?page=n` names a numbered page, `?after=` and `?before=` the page after or before a row (links the
    pages give). Anything else, or a page the list does not have, raises a 404 that says so.
    `identifying` names the parameters (filters) that make another list, kept in the canonical address.
    """
    counted = CappedCount(items, per_page)
    terms = keyset.ordering_terms(items)
    after, before = request.GET.get("after"), request.GET.get("before")
    if after is not None or before is not None:
        if (after is not None and before is not None) or "page" in request.GET:
            raise Http404("A page is named by one of `page`, `after` or `before`, not several.")
        token = after if after is not None else before
        try:
            values = keyset.read_cursor(token, request.path, terms)
        except keyset.BadCursor as error:
            raise Http404(f"No such place in this list: {error}") from None
        if before is not None:
            page = _page_before(request, items, terms, values, counted, identifying)
            if page is not None:
                return page
            # Nothing more before it than the first page holds: that is where "newer" leads.
            return _numbered(request, items, terms, 1, counted, identifying)
        return _page_after(request, items, terms, values, counted, identifying)
    number = request.GET.get("page") or "1"
    try:
        number = int(number)
    except ValueError:
        raise Http404(f"This list has no page {number!r}.") from None
    if number < 1 or number > counted.num_pages:
        detail = f"This list has no page {number}; its pages are numbered 1 to {counted.num_pages}."
        if counted.continues:
            detail += " Rows beyond are reached through the “next” link of its last numbered page."
        raise Http404(detail)
    return _numbered(request, items, terms, number, counted, identifying)


def _numbered(request, items, terms, number: int, counted: CappedCount, identifying) -> ListPage:
    per_page = counted.per_page
    start = (number - 1) * per_page
    # The count, read first for the page numbers, spares an empty list its query.
    found = list(keyset.keyed(items, terms)[start : start + per_page + 1]) if counted.count else []
    rows = found[:per_page]
    if not rows and number > 1:
        raise Http404(f"This list has no page {number}.")
    if len(found) > per_page:
        following = (
            page_url(request, number + 1)
            if number < counted.num_pages
            else _cursor_url(request, "after", keyset.key_of(rows[-1], terms), terms)
        )
    else:
        following = ""
    return ListPage(
        object_list=rows,
        paginator=counted,
        number=number,
        canonical_url=_address(request.path, _identifying(request, identifying), number),
        first_url=page_url(request, 1),
        previous_url=page_url(request, number - 1) if number > 1 else "",
        next_url=following,
        links=[
            PageLink(shown, page_url(request, shown), current=shown == number)
            if isinstance(shown, int)
            else PageLink(None)
            # Django's elision, over the numbered pages: the first, the last, two either side of this.
            for shown in Paginator(range(counted.num_pages), 1).get_elided_page_range(
                number, on_each_side=2, on_ends=1
            )
        ],
    )


def _page_after(request, items, terms, values, counted: CappedCount, identifying) -> ListPage:
    per_page = counted.per_page
    found = list(keyset.keyed(items, terms).filter(keyset.after(terms, values))[: per_page + 1])
    if not found:
        raise Http404("Nothing follows this place in the list any more.")
    rows = found[:per_page]
    return _keyset_page(request, terms, rows, counted, identifying, more=len(found) > per_page)


def _page_before(request, items, terms, values, counted: CappedCount, identifying) -> ListPage | None:
    """The page that ends just before the row `values` names; None when the first page holds those rows."""
    per_page = counted.per_page
    backwards = keyset.reversed_terms(terms)
    found = list(keyset.keyed(items, backwards).filter(keyset.after(backwards, values))[: per_page + 1])
    if len(found) <= per_page:
        return None
    rows = found[:per_page][::-1]
    return _keyset_page(request, terms, rows, counted, identifying, more=True)


def _keyset_page(request, terms, rows, counted, identifying, *, more: bool) -> ListPage:
    """A page reached by a cursor: a row lies before it (the cursor's), and after it when `more`."""
    mark = "after" if "after" in request.GET else "before"
    kept = _identifying(request, identifying)
    kept[mark] = request.GET[mark]
    return ListPage(
        object_list=rows,
        paginator=counted,
        number=None,
        canonical_url=_address(request.path, kept, 1),
        first_url=page_url(request, 1),
        previous_url=_cursor_url(request, "before", keyset.key_of(rows[0], terms), terms),
        next_url=_cursor_url(request, "after", keyset.key_of(rows[-1], terms), terms) if more else "",
    )


def _identifying(request: HttpRequest, identifying: Iterable[str]) -> QueryDict:
    kept = QueryDict(mutable=True)
    for name in identifying:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    return kept


def _without_page(request: HttpRequest) -> QueryDict:
    query = request.GET.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    return query


def _cursor_url(request: HttpRequest, mark: str, values: list[Any], terms) -> str:
    query = _without_page(request)
    query[mark] = keyset.write_cursor(request.path, terms, values)
    return f"{request.path}?{query.urlencode()}"


def page_url(request: HttpRequest, number: int) -> str:
    """Return the request's path and query with page `number`; page 1 is the address without `page`."""
    return _address(request.path, _without_page(request), number)


def _address(path: str, query: QueryDict, number: int) -> str:
    if number == 1:
        query.pop("page", None)
    else:
        query["page"] = str(number)
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path
