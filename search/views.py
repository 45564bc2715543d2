from django.shortcuts import render

from .models import SearchDocument
from .selectors import TYPE_ORDER, search
from .text import MAX_QUERY_LENGTH

PAGE_SIZE = 20
# Deep pages of a search are never read; the cap keeps offsets small.
MAX_PAGE = 50
TYPE_LABELS = dict(SearchDocument.Kind.choices)


def _page_number(value: str) -> int:
    return min(max(int(value), 1), MAX_PAGE) if value.isdigit() else 1


def search_page(request):
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
        {"kind": k, "label": TYPE_LABELS[k], "count": results.counts.get(k, 0)}
        for k in TYPE_ORDER
        if results and results.counts.get(k)
    ]
    return render(
        request,
        "search/search.html",
        {
            "query": query,
            "kind": kind,
            "page": page,
            "results": results,
            "groups": groups,
            "facets": facets,
            "max_query_length": MAX_QUERY_LENGTH,
        },
    )
