from math import ceil
from urllib.parse import urlencode

from django.shortcuts import render

from core.frontcache import SEARCH_TAG, cache_tags

from .models import SearchDocument
from .selectors import MAX_RANKED, TYPE_ORDER, search
from .text import MAX_QUERY_LENGTH

PAGE_SIZE = 20
# Every hit search ranks can be reached: the ranked matches of every type.
MAX_PAGE = len(TYPE_ORDER) * MAX_RANKED // PAGE_SIZE
# Page links either side of the current page, besides the first and the last.
PAGE_LINKS_AROUND = 2
TYPE_LABELS = dict(SearchDocument.Kind.choices)


def _page_number(value: str) -> int:
    return min(max(int(value), 1), MAX_PAGE) if value.isdigit() else 1


def _page_links(page: int, last: int, query: dict) -> list[dict]:
    """Return the page links to show: the first, the last, those around `page`, and gaps between."""
    shown = sorted(
        {1, last, *range(page - PAGE_LINKS_AROUND, page + PAGE_LINKS_AROUND + 1)} & set(range(1, last + 1))
    )
    links, previous = [], 0
    for number in shown:
        if number > previous + 1:
            links.append({"gap": True})
        links.append(
            {"number": number, "current": number == page, "url": "?" + urlencode({**query, "page": number})}
        )
        previous = number
    return links


def search_page(request):
    # The same for every reader, and banned whenever what is indexed changes (search.services).
    cache_tags(request, SEARCH_TAG)
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("type", "")
    kind = kind if kind in TYPE_LABELS else ""
    page = _page_number(request.GET.get("page", ""))
    results = None
    if query:
        results = search(
            query,
            types=[kind] if kind else None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            grouped=not kind,
        )
    groups = []
    if results:
        for group_kind in TYPE_ORDER:
            hits = [hit for hit in results.hits if hit.type == group_kind]
            if hits:
                groups.append({"kind": group_kind, "label": TYPE_LABELS[group_kind], "hits": hits})
    facets = [
        {"kind": k, "label": TYPE_LABELS[k], "count": results.counts.get(k, 0), "capped": k in results.capped}
        for k in TYPE_ORDER
        if results and results.counts.get(k)
    ]
    pages = {}
    if results and results.total:
        last = min(ceil(results.total / PAGE_SIZE), MAX_PAGE)
        here = {"q": query, **({"type": kind} if kind else {})}
        pages = {
            "links": _page_links(page, last, here) if last > 1 else [],
            "previous": "?" + urlencode({**here, "page": page - 1}) if page > 1 else "",
            "next": "?" + urlencode({**here, "page": page + 1}) if page < last else "",
        }
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "kind": kind,
            "page": page,
            "pages": pages,
            "results": results,
            "groups": groups,
            "facets": facets,
            "max_query_length": MAX_QUERY_LENGTH,
            "max_ranked": MAX_RANKED,
        },
    )
