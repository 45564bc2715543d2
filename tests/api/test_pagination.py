"""Pages, their bounds, and the documented orderings of every list."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from landscape.api import COMPANY_ORDERINGS, FIGURE_ORDERINGS, PERSON_ORDERINGS, QUOTE_ORDERINGS
from landscape.models import Company, Figure, Person, Quote
from reader.api import ARTICLE_ORDERINGS
from tests.factories import make_article

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
    assert response.status_code == 400
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
