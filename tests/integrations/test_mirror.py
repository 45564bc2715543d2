"""The change feed, mirrored by an integrator's script into an empty database, equals the public API."""

import importlib.util
import json
import random
import sqlite3
from pathlib import Path

import pytest

from articles.models import Article
from articles.workflow import article_archive, article_publish, article_return_to_draft
from landscape.models import Company
from tests.factories import make_article, make_company, make_quote
from tests.factories.articles import first_paragraph, publish, set_text

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "mirror_changes", ROOT / "docs" / "examples" / "mirror_changes.py"
)
mirror_changes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mirror_changes)

pytestmark = pytest.mark.django_db


def public_content(client) -> dict[tuple[str, int], dict]:
    """Every article, company and quote the API serves now, each as its detail document."""
    found = {}
    for kind, listing, detail in [
        ("article", "/api/v1/articles", lambda item: f"/api/v1/articles/{item['slug']}"),
        ("company", "/api/v1/companies", lambda item: f"/api/v1/companies/{item['slug']}"),
        ("quote", "/api/v1/quotes", lambda item: f"/api/v1/quotes/{item['id']}"),
    ]:
        items = client.get(listing, {"limit": 100}).json()["items"]
        for item in items:
            document = client.get(detail(item)).json()
            if kind == "quote":
                record_id = document["id"]
            else:
                model = Article if kind == "article" else Company
                record_id = model.objects.get(slug=item["slug"]).pk
            found[(kind, record_id)] = document
    return found


def test_a_mirror_of_the_feed_equals_the_public_api(client, editor, django_capture_on_commit_callbacks):
    rng = random.Random(20261203)
    database = sqlite3.connect(":memory:")

    def fetch(path):
        response = client.get(path)
        assert response.status_code == 200, response.content
        return response.json()

    with django_capture_on_commit_callbacks(execute=True):
        companies = [make_company(f"公司{n}", published=True) for n in range(3)]
    articles = []
    for step in range(40):
        with django_capture_on_commit_callbacks(execute=True):
            choice = rng.choice(["article", "article", "edit", "archive", "republish", "toggle", "toggle"])
            if choice == "article" or not articles:
                article = make_article(f"第{step}步的段落，說到了大模型。", slug=f"mirror-{step}")
                make_quote(first_paragraph(article), "說到了大模型", company=rng.choice(companies))
                articles.append(article)
            elif choice == "edit":
                article = rng.choice(articles)
                set_text(first_paragraph(article), f"第{step}步改寫的段落。")
                if article.status == Article.Status.PUBLISHED:
                    publish(article)
            elif choice == "archive":
                article = Article.objects.get(pk=rng.choice(articles).pk)
                if article.status == Article.Status.PUBLISHED:
                    article_archive(article=article, user=editor)
            elif choice == "republish":
                article = Article.objects.get(pk=rng.choice(articles).pk)
                if article.status == Article.Status.ARCHIVED:
                    article = article_return_to_draft(article=article, user=editor)
                    article_publish(article=article, user=editor, acknowledged=["*"])
            else:
                company = Company.objects.get(pk=rng.choice(companies).pk)
                company.published = not company.published
                company.save()
        if step % 3 == 2:  # an integrator reading now and then sees exactly what the API serves
            mirror_changes.mirror(fetch, database)
            assert_mirrors(database, public_content(client))
    mirror_changes.mirror(fetch, database)
    expected = public_content(client)
    assert expected, "the random sequence left something public"
    assert_mirrors(database, expected)


def assert_mirrors(database, expected):
    mirrored = {
        (kind, record_id): json.loads(document)
        for kind, record_id, document in database.execute(
            "SELECT kind, id, document FROM record WHERE kind IN ('article', 'company', 'quote')"
        )
    }
    assert mirrored.keys() == expected.keys()
    for key, document in expected.items():
        assert mirrored[key] == document, key
