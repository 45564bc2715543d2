"""The Atom feed, sitemap and robots.txt show published content only."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from landscape.models import Company

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_atom_feed_lists_published_articles_only(client, article_factory):
    public = article_factory(title="公開的文章", summary="摘要")
    draft = article_factory(title="草稿文章", status="draft")
    future = article_factory(
        title="排程文章", status="scheduled", publish_at=timezone.now() + timedelta(days=1)
    )
    response = client.get("/feeds/articles.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == [public.title]
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert any(href.endswith(public.get_absolute_url()) for href in links)
    assert draft.title not in response.content.decode() and future.title not in response.content.decode()


def sitemap_urls(client) -> list[str]:
    """Return every URL the sitemap index's files list, reading each file as a crawler would."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    urls = []
    for file in ElementTree.fromstring(index.content).iter(f"{SITEMAP}loc"):
        response = client.get(file.text.removeprefix("http://testserver"))
        assert response.status_code == 200
        urls += [loc.text for loc in ElementTree.fromstring(response.content).iter(f"{SITEMAP}loc")]
    return urls


def test_sitemap_lists_public_pages_only(client, article_factory):
    public = article_factory()
    draft = article_factory(status="review")
    Company.objects.create(name_zh="公開公司", slug="public-co", layer="startup", published=True)
    Company.objects.create(name_zh="隱藏公司", slug="hidden-co", layer="startup", published=False)
    urls = sitemap_urls(client)
    assert any(url.endswith(public.get_absolute_url()) for url in urls)
    assert not any(url.endswith(draft.get_absolute_url()) for url in urls)
    assert any(url.endswith("/companies/public-co/") for url in urls)
    assert not any("hidden-co" in url for url in urls)
    assert any(url.endswith("/landscape/") for url in urls)


def test_robots_txt_points_at_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_feed_and_sitemap_query_counts_do_not_grow(client, article_factory, django_assert_max_num_queries):
    for _ in range(12):
        article_factory(sections=1, paragraphs=1)
    with django_assert_max_num_queries(3):
        client.get("/feeds/articles.atom")
    with django_assert_max_num_queries(5):
        client.get("/sitemap.xml")
