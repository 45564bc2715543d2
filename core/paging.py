"""Numbered pages of the reader's lists: links a reader can follow, and a 404 for a page that is not there.

    page = page_or_404(request, queryset, per_page=20)

gives Django's `Page` with the addresses its templates need (`templates/_pagination.html` for the links
under a list, `templates/_pagination_head.html` for `rel=prev/next` and the canonical address): `url`,
`canonical_url`, `previous_url`, `next_url`, and `links`, the page numbers to show (`number` None where
some are left out). The links keep the request's other parameters (filters, script); the canonical
address keeps only those that make another list. Page 1 is always the address without `?page=`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpRequest, QueryDict

from core.apitools import COUNT_LIMIT


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None stands for the pages left out between two numbers
    url: str = ""
    current: bool = False


class CappedPaginator(Paginator):
    """A paginator that counts at most `COUNT_LIMIT` rows: a list beyond says so (`count_is_exact`).

    An exact count of a huge list costs a scan of it on every page; a reader needs "10,000+" and the
    pages up to there (filters narrow the rest).
    """

    @cached_property
    def _counted(self) -> int:
        if not hasattr(self.object_list, "query"):
            return len(self.object_list)
        return self.object_list[: COUNT_LIMIT + 1].count()  # one query, over at most the cap's rows

    @cached_property
    def count(self) -> int:
        return min(self._counted, COUNT_LIMIT)

    @property
    def count_is_exact(self) -> bool:
        return self._counted <= COUNT_LIMIT


def page_or_404(request: HttpRequest, items, *, per_page: int, identifying: Iterable[str] = ()) -> Page:
    """Return the page of `items` the `page` parameter names (the first without one); else raise a 404.

    `identifying` names the parameters (filters) that make another list, kept in the canonical address.
    """
    paginator = CappedPaginator(items, per_page)
    number = request.GET.get("page") or "1"
    try:
        page = paginator.page(number)
    except InvalidPage:
        raise Http404(f"This list has no page {number!r}; it has {paginator.num_pages}.") from None
    page.url = page_url(request, page.number)
    kept = QueryDict(mutable=True)
    for name in identifying:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    page.canonical_url = _address(request.path, kept, page.number)
    page.previous_url = page_url(request, page.number - 1) if page.has_previous() else ""
    page.next_url = page_url(request, page.number + 1) if page.has_next() else ""
    page.links = [
        PageLink(shown, page_url(request, shown), current=shown == page.number)
        if isinstance(shown, int)
        else PageLink(None)  # Paginator.ELLIPSIS
        for shown in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return page


def page_url(request: HttpRequest, number: int) -> str:
    """Return the request's path and query with page `number`; page 1 is the address without `page`."""
    return _address(request.path, request.GET.copy(), number)


def _address(path: str, query: QueryDict, number: int) -> str:
    if number == 1:
        query.pop("page", None)
    else:
        query["page"] = str(number)
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path
