"""The search endpoint: its page of hits, its count, and whether the count stopped at what is ranked."""

import pytest

from tests.factories import make_article, make_company, make_person, make_quote, paragraphs

pytestmark = pytest.mark.django_db


def test_count_is_exact_when_everything_that_matched_is_ranked(client):
    make_article(*[f"第{n}段說算力。" for n in range(7)])
    make_company("算力科技")
    body = client.get("/api/v1/search", {"q": "算力", "limit": 3}).json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (8, False, 3)
    assert body["items"][0]["type"] == "company"


def test_count_capped_says_the_count_is_a_lower_bound(client, monkeypatch):
    monkeypatch.setattr("search.selectors.MAX_RANKED", 4)
    make_article(*[f"第{n}段說算力。" for n in range(9)])
    body = client.get("/api/v1/search", {"q": "算力", "limit": 10}).json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (4, True, 4)
    assert client.get("/api/v1/search", {"q": "算力", "offset": 4}).json()["items"] == []


def test_the_schema_documents_count_capped(client):
    schema = client.get("/api/v1/openapi.json").json()
    page = schema["paths"]["/api/v1/search"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    name = page["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert set(properties) == {"items", "count", "count_capped"}
    assert "lower bound" in properties["count_capped"]["description"]


def test_the_front_cache_may_keep_the_answer_and_drops_it_with_search(client):
    make_article("第一段說算力。")
    response = client.get("/api/v1/search", {"q": "算力"})
    assert response.status_code == 200
    assert response["Cache-Tags"] == "search"
    assert "s-maxage" in response["Cache-Control"] and "public" in response["Cache-Control"]


@pytest.mark.parametrize("size", [2, 40])
def test_query_count_is_the_same_at_every_size(client, django_assert_num_queries, size):
    article = make_article(*[f"第{n}段：王小川談算力。" for n in range(size)])
    speaker = make_person("王小川")
    make_company("算力科技")
    for paragraph in paragraphs(article)[: size // 2]:
        make_quote(paragraph, paragraph.text, speaker)
    for params in ({"q": "算力"}, {"q": "算力", "offset": 2, "limit": 1}, {"q": "王小川", "type": "quote"}):
        # The windows with their ranks, then the page's documents.
        with django_assert_num_queries(2):
            body = client.get("/api/v1/search", params).json()
        assert body["items"]
