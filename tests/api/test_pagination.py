"""Pages by offset and by cursor, their bounds and counts, and the documented orderings of every list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from landscape.api import COMPANY_ORDERINGS, FIGURE_ORDERINGS, PERSON_ORDERINGS, QUOTE_ORDERINGS
from landscape.models import Company, Figure, Person, Quote
from reader.api import ARTICLE_ORDERINGS
from tests.factories import (
    first_paragraph,
    make_article,
    make_company,
    make_figure,
    make_person,
    make_quote,
    paragraphs,
)

pytestmark = pytest.mark.usefixtures("seed")

LISTS = {
    "/api/v1/articles": (ARTICLE_ORDERINGS, "-publish_at"),
    "/api/v1/companies": (COMPANY_ORDERINGS, "layer"),
    "/api/v1/people": (PERSON_ORDERINGS, "name_zh"),
    "/api/v1/quotes": (QUOTE_ORDERINGS, "-publish_at"),
    "/api/v1/figures": (FIGURE_ORDERINGS, "chart_group"),
}


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_default_page_is_twenty_items(client):
    companies = page(client, "/api/v1/companies")
    assert companies["count"] == Company.objects.published().count() > 20
    assert len(companies["items"]) == 20


def test_the_maximum_limit_is_one_hundred(client):
    everything = page(client, "/api/v1/companies", limit=100)
    assert len(everything["items"]) == everything["count"]
    assert client.get("/api/v1/companies", {"limit": 101}).status_code == 422


def test_an_offset_past_the_end_is_an_empty_page(client):
    beyond = page(client, "/api/v1/quotes", offset=1000)
    assert beyond["items"] == []
    assert beyond["count"] == Quote.objects.public().count()


@pytest.mark.parametrize("url", ["/api/v1/companies", "/api/v1/quotes", "/api/v1/figures"])
def test_pages_cover_the_list_once_in_a_stable_order(client, url):
    whole = page(client, url, limit=100)["items"]
    pieces = []
    for offset in range(0, len(whole), 7):
        pieces.extend(page(client, url, limit=7, offset=offset)["items"])
    assert pieces == whole


@pytest.mark.parametrize("url", LISTS)
def test_unknown_ordering_is_refused_on_every_list(client, url):
    response = client.get(url, {"ordering": "pk"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["name"] == "ordering"


@pytest.mark.parametrize("url", LISTS)
def test_the_schema_documents_orderings_and_page_bounds(client, url):
    operation = client.get("/api/v1/openapi.json").json()["paths"][url]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    orderings, default = LISTS[url]
    assert parameters["ordering"]["enum"] == list(orderings)
    assert parameters["ordering"]["default"] == default
    assert parameters["limit"]["maximum"] == 100
    assert parameters["limit"]["default"] == 20


def _slugs(client, url, **params):
    return [item["slug"] for item in page(client, url, limit=100, **params)["items"]]


def _ids(client, url, **params):
    return [item["id"] for item in page(client, url, limit=100, **params)["items"]]


@pytest.mark.parametrize("ordering", COMPANY_ORDERINGS)
def test_company_orderings(client, ordering):
    expected = Company.objects.published().order_by(*COMPANY_ORDERINGS[ordering])
    assert _slugs(client, "/api/v1/companies", ordering=ordering) == [c.slug for c in expected]


def test_company_default_order_is_by_layer_then_name(client):
    served = page(client, "/api/v1/companies", limit=100)["items"]
    # The landscape's order, base to top (research, platforms, AI 1.0, start-ups…), not the codes' ABC.
    rank = {layer: i for i, layer in enumerate(Company.Layer.values)}
    assert [c["layer"] for c in served] == sorted((c["layer"] for c in served), key=rank.__getitem__)
    assert served[0]["layer"] == "research"
    for layer in rank:
        names = [c["name_zh"] for c in served if c["layer"] == layer]
        assert names == sorted(names)
    assert _slugs(client, "/api/v1/companies") == _slugs(client, "/api/v1/companies", ordering="layer")


def test_companies_without_a_founding_year_come_last_either_way(client):
    Company.objects.filter(slug="bat").update(founded=None)
    for ordering in ("founded", "-founded"):
        served = page(client, "/api/v1/companies", limit=100, ordering=ordering)["items"]
        years = [c["founded"] for c in served]
        known = [year for year in years if year is not None]
        assert years[: len(known)] == sorted(known, reverse=ordering.startswith("-"))
        assert all(year is None for year in years[len(known) :])


@pytest.mark.parametrize("ordering", PERSON_ORDERINGS)
def test_person_orderings(client, ordering):
    expected = Person.objects.published().order_by(*PERSON_ORDERINGS[ordering])
    assert _slugs(client, "/api/v1/people", ordering=ordering) == [p.slug for p in expected]


@pytest.mark.parametrize("ordering", QUOTE_ORDERINGS)
def test_quote_orderings(client, ordering):
    expected = Quote.objects.public().order_by(*QUOTE_ORDERINGS[ordering])
    assert _ids(client, "/api/v1/quotes", ordering=ordering) == [q.pk for q in expected]


def test_featured_quotes_first(client):
    featured = [
        q["featured"] for q in page(client, "/api/v1/quotes", limit=100, ordering="-featured")["items"]
    ]
    assert featured == sorted(featured, reverse=True)
    assert featured[0] and not featured[-1]


@pytest.mark.parametrize("ordering", FIGURE_ORDERINGS)
def test_figure_orderings(client, ordering):
    expected = Figure.objects.public().order_by(*FIGURE_ORDERINGS[ordering])
    assert _ids(client, "/api/v1/figures", ordering=ordering) == [f.pk for f in expected]


def test_figures_by_value(client):
    values = [f["value"] for f in page(client, "/api/v1/figures", limit=100, ordering="-value")["items"]]
    assert values == sorted(values, reverse=True)


def test_article_orderings(client):
    now = timezone.now()
    make_article(title="乙文章", slug="b-article", publish_at=now - timedelta(days=2))
    make_article(title="甲文章", slug="a-article", publish_at=now - timedelta(days=1))
    make_article(title="未發表", slug="draft-article", status=Article.Status.DRAFT)
    newest_first = _slugs(client, "/api/v1/articles")
    assert newest_first[:2] == ["a-article", "b-article"]
    assert "draft-article" not in newest_first
    assert _slugs(client, "/api/v1/articles", ordering="publish_at") == newest_first[::-1]
    by_title = Article.objects.published().order_by(F("title").asc(), "pk")
    assert _slugs(client, "/api/v1/articles", ordering="title") == [a.slug for a in by_title]
    assert _slugs(client, "/api/v1/articles", ordering="-title") == [a.slug for a in by_title][::-1]


# Cursor (keyset) pages: `next` continues where a page stopped, at the cost of the first page.

ALL_ORDERINGS = [(url, ordering) for url, (orderings, _default) in LISTS.items() for ordering in orderings]


def follow(client, url, **params) -> tuple[list[dict], list[dict]]:
    """Page through a list by its `next` cursors; return the items and each page's body."""
    items, bodies = [], []
    body = page(client, url, **params)
    while True:
        bodies.append(body)
        items.extend(body["items"])
        if body["next"] is None:
            return items, bodies
        body = page(client, url, **params, cursor=body["next"])


@pytest.mark.parametrize(("url", "ordering"), ALL_ORDERINGS)
def test_cursors_walk_every_list_once_in_the_order_offsets_give(client, url, ordering):
    # Ties on the leading key and empty founding years are where a keyset condition goes wrong.
    Company.objects.filter(slug__in=["bat", "baidu"]).update(founded=None)
    Company.objects.filter(slug__in=["alibaba", "tencent"]).update(founded=1998)
    same_time = timezone.now() - timedelta(days=1)
    for title in ("乙", "甲", "乙", "丙"):
        make_article(title=title, publish_at=same_time, sections=1, paragraphs=1)
    whole = page(client, url, limit=100, ordering=ordering)["items"]
    assert len(whole) > 3
    walked, bodies = follow(client, url, limit=3, ordering=ordering)
    assert walked == whole
    assert len(bodies) == -(-len(whole) // 3) or not whole
    assert all(body["count"] == len(whole) and body["count_is_exact"] for body in bodies)


def test_an_offset_page_gives_the_cursor_to_the_page_after_it(client):
    whole = page(client, "/api/v1/companies", limit=100)["items"]
    second = page(client, "/api/v1/companies", limit=5, offset=5)
    assert page(client, "/api/v1/companies", limit=5, cursor=second["next"])["items"] == whole[10:15]
    assert page(client, "/api/v1/companies", limit=100)["next"] is None


def test_a_cursor_keeps_its_place_when_rows_are_added_before_it(client):
    first = page(client, "/api/v1/quotes", limit=5)
    rest = page(client, "/api/v1/quotes", limit=100, offset=5)["items"]
    make_article(title="更新的文章", slug="newer-article")  # newest first: lands before the cursor
    assert page(client, "/api/v1/quotes", limit=100, cursor=first["next"])["items"] == rest


def problem(client, url, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "", "0" * 500, "eyJsaXN0IjoiL2FwaS92MS9xdW90ZXMifQ:1abc:signature"],
)
def test_a_cursor_the_api_did_not_give_is_a_problem_naming_it(client, cursor):
    body = problem(client, "/api/v1/quotes", cursor=cursor)
    assert body["errors"] == [{"name": "cursor", "location": "query", "detail": body["errors"][0]["detail"]}]
    assert "cursor" in body["detail"]


def test_a_tampered_cursor_is_refused(client):
    cursor = page(client, "/api/v1/companies", limit=2)["next"]
    payload, _, signature = cursor.rpartition(":")
    forged = f"{payload}:{signature[::-1]}"
    assert problem(client, "/api/v1/companies", cursor=forged)["errors"][0]["name"] == "cursor"


def test_a_cursor_serves_only_the_list_and_ordering_it_came_from(client):
    cursor = page(client, "/api/v1/companies", limit=2)["next"]
    assert problem(client, "/api/v1/people", cursor=cursor)["errors"][0]["name"] == "cursor"
    body = problem(client, "/api/v1/companies", cursor=cursor, ordering="-name_zh")
    assert "another list or ordering" in body["detail"]
    # Filters may change under a cursor: it names a place in the ordering, not a set of rows.
    assert page(client, "/api/v1/companies", cursor=cursor, layer="platform")["items"]


def test_cursor_and_offset_together_are_refused(client):
    cursor = page(client, "/api/v1/companies", limit=2)["next"]
    assert problem(client, "/api/v1/companies", cursor=cursor, offset=4)["errors"][0]["name"] == "offset"


def test_counts_stop_at_the_limit_and_say_so(client, monkeypatch):
    from core import apitools

    total = Company.objects.published().count()
    monkeypatch.setattr(apitools, "COUNT_LIMIT", total - 1)
    body = page(client, "/api/v1/companies", limit=3)
    assert (body["count"], body["count_is_exact"]) == (total - 1, False)
    monkeypatch.setattr(apitools, "COUNT_LIMIT", total)
    body = page(client, "/api/v1/companies", limit=3)
    assert (body["count"], body["count_is_exact"]) == (total, True)


@pytest.mark.parametrize("url", LISTS)
def test_the_schema_documents_cursors_and_honest_counts(client, url):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][url]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert "next" in parameters["cursor"]["description"] and "422" in parameters["cursor"]["description"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][body]["properties"]
    assert {"count", "count_is_exact", "next", "items"} <= set(properties)
    assert "cursor" in properties["next"]["description"]
    assert "10,000" in properties["count"]["description"]
    assert "400" in operation["responses"]


def test_a_deep_cursor_page_costs_what_the_first_does(client):
    for _ in range(4):
        article = make_article(sections=2, paragraphs=5)
        for paragraph in paragraphs(article):
            make_quote(paragraph)
    first = page(client, "/api/v1/quotes", limit=5)
    cursor = first["next"]
    for _ in range(6):
        cursor = page(client, "/api/v1/quotes", limit=5, cursor=cursor)["next"]
    with CaptureQueriesContext(connection) as deep:
        page(client, "/api/v1/quotes", limit=5, cursor=cursor)
    with CaptureQueriesContext(connection) as shallow:
        page(client, "/api/v1/quotes", limit=5)
    assert len(deep) == len(shallow)
    # A keyset condition, not an offset the database must count its way through.
    assert not any("OFFSET" in query["sql"].upper() for query in deep.captured_queries)


# Query counts: the same at 3 rows as at 30, for every list, by offset and by cursor.
LIST_QUERIES = {
    # count, page, and one prefetch for the topics
    "/api/v1/articles": 3,
    # count, page, aliases
    "/api/v1/companies": 3,
    "/api/v1/people": 3,
    # count and page: speakers, companies and live paragraphs are joined
    "/api/v1/quotes": 2,
    "/api/v1/figures": 2,
}


def grow(n: int) -> None:
    for _ in range(n):
        article = make_article(sections=1, paragraphs=1)
        company, person = make_company(aliases=[f"別名{article.pk}"]), make_person()
        paragraph = first_paragraph(article)
        make_quote(paragraph, speaker=person, company=company)
        make_figure(paragraph, company=company)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("url", LIST_QUERIES)
def test_list_query_counts_do_not_grow(client, django_assert_num_queries, url, size):
    grow(size)
    with django_assert_num_queries(LIST_QUERIES[url]):
        first = page(client, url, limit=100)
    assert len(first["items"]) >= size
    following = page(client, url, limit=2)["next"]
    with django_assert_num_queries(LIST_QUERIES[url]):
        page(client, url, limit=100, cursor=following)


# Deep offsets: the database steps over every row an offset skips; past DEEPEST_OFFSET only a cursor goes.
@pytest.mark.parametrize("url", LISTS)
def test_an_offset_deeper_than_the_maximum_is_a_problem_pointing_to_the_cursor(client, url):
    from core.apitools import DEEPEST_OFFSET

    assert client.get(url, {"offset": DEEPEST_OFFSET}).status_code == 200
    for offset in (DEEPEST_OFFSET + 1, 90_000, 10**30):
        body = problem(client, url, offset=offset)
        assert body["errors"][0]["name"] == "offset"
        assert "`next`" in body["detail"] and "`cursor`" in body["detail"]
        assert f"{DEEPEST_OFFSET:,}" in body["detail"]


@pytest.mark.parametrize("url", LISTS)
def test_the_schema_documents_the_deepest_offset(client, url):
    from core.apitools import DEEPEST_OFFSET

    operation = client.get("/api/v1/openapi.json").json()["paths"][url]["get"]
    offset = next(parameter for parameter in operation["parameters"] if parameter["name"] == "offset")
    assert offset["schema"]["maximum"] == DEEPEST_OFFSET
    assert "`next`" in offset["description"] and "422" in offset["description"]


def test_past_the_deepest_offset_a_cursor_goes_on_where_offsets_stop(client, monkeypatch):
    from core import apitools

    monkeypatch.setattr(apitools, "DEEPEST_OFFSET", 4)
    whole = page(client, "/api/v1/quotes", limit=100)["items"]
    assert len(whole) > 10
    at_the_bottom = page(client, "/api/v1/quotes", limit=3, offset=4)
    assert at_the_bottom["items"] == whole[4:7]
    assert client.get("/api/v1/quotes", {"limit": 3, "offset": 5}).status_code == 422
    deeper = page(client, "/api/v1/quotes", limit=3, cursor=at_the_bottom["next"])
    assert deeper["items"] == whole[7:10]


def test_a_cursor_is_the_same_from_one_second_to_the_next(monkeypatch):
    from core import keyset

    payload = ("/api/v1/quotes", [], [1])
    first = keyset.write_cursor(*payload)
    monkeypatch.setattr("time.time", lambda: 2_000_000_000.0)
    assert keyset.write_cursor(*payload) == first
