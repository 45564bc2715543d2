"""The search endpoint: its page of hits, its count, and whether the count stopped at what is ranked."""

import pytest

from tests.factories import make_article, make_company

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
