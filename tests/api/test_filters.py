"""Filters an integrator expects: articles by company, person, topic and date; quotes and figures by date."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import first_paragraph, make_article, make_company, make_mention, make_person, make_quote
from tests.factories.articles import publish

pytestmark = pytest.mark.django_db


def slugs(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return [item["slug"] if "slug" in item else item["id"] for item in response.json()["items"]]


@pytest.fixture
def mentioned():
    company = make_company("百川智能", slug="baichuan-test", published=True)
    hidden = make_company("秘密公司", slug="secret-co", published=False)
    person = make_person("王小川", slug="wang-test", published=True)
    one = make_article("百川智能與王小川。", slug="mentions-both")
    make_mention(first_paragraph(one), 0, 4, company=company)
    make_mention(first_paragraph(one), 5, 8, person=person)
    two = make_article("秘密公司的消息。", slug="mentions-hidden")
    make_mention(first_paragraph(two), 0, 4, company=hidden)
    make_article("沒有提到誰。", slug="mentions-none")
    for article in (one, two):
        publish(article)
    return company, hidden, person


def test_articles_by_the_company_or_person_they_mention(client, mentioned):
    assert slugs(client, "/api/v1/articles", company="baichuan-test") == ["mentions-both"]
    assert slugs(client, "/api/v1/articles", person="wang-test") == ["mentions-both"]
    # An unpublished company filters like an unknown one: nothing, and nothing said about it.
    assert slugs(client, "/api/v1/articles", company="secret-co") == []
    assert slugs(client, "/api/v1/articles", company="no-such-company") == []


def test_articles_quotes_and_figures_by_date(client):
    tz = timezone.get_current_timezone()
    old = make_article("舊聞說了話。", slug="dated-old", publish_at=datetime(2023, 3, 1, 23, 30, tzinfo=tz))
    new = make_article("新聞說了話。", slug="dated-new", publish_at=datetime(2024, 6, 1, 8, tzinfo=tz))
    quotes = {article.slug: make_quote(first_paragraph(article), "說了話").pk for article in (old, new)}
    for article in (old, new):
        publish(article)
    assert slugs(client, "/api/v1/articles", published_after="2024-01-01") == ["dated-new"]
    assert slugs(client, "/api/v1/articles", published_before="2023-03-01") == ["dated-old"]  # the whole day
    assert (
        slugs(client, "/api/v1/articles", published_after="2023-03-02", published_before="2024-05-31") == []
    )
    assert slugs(client, "/api/v1/quotes", published_before="2023-12-31") == [quotes["dated-old"]]
    assert slugs(client, "/api/v1/quotes", published_after="2024-06-01") == [quotes["dated-new"]]
    response = client.get("/api/v1/articles", {"published_after": "2024-13-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["name"] == "published_after"


def test_every_filter_is_in_the_schema_with_an_example(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, names in {
        "/api/v1/articles": {"topic", "company", "person", "published_after", "published_before"},
        "/api/v1/quotes": {"published_after", "published_before"},
        "/api/v1/figures": {"published_after", "published_before"},
    }.items():
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert names <= set(parameters), path
        for name in names:
            described = parameters[name]
            assert described.get("description") and (
                described.get("example") or described.get("examples") or described["schema"].get("examples")
            ), (path, name)


def test_a_future_day_finds_nothing_yet(client):
    make_article("今天的新聞。", slug="today")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert slugs(client, "/api/v1/articles", published_after=tomorrow) == []


def test_every_filter_of_every_endpoint_has_an_example(client):
    schema = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                described = parameter["schema"]
                # A cursor is opaque: only a page's `next` is one. Choices, defaults and examples all show.
                if parameter["in"] != "query" or parameter["name"] == "cursor":
                    continue
                if not (described.get("examples") or described.get("enum") or "default" in described):
                    missing.append(f"{path} {parameter['name']}")
    assert missing == []
