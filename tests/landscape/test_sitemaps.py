"""The sitemap: an index of files of at most 50,000 URLs, dated by published versions, in fixed queries."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.models import Topic
from articles.sitemaps import ArticleSitemap, TopicSitemap
from config.urls import SITEMAPS
from landscape.sitemaps import CompanySitemap, PersonSitemap
from tests.factories import make_article, make_company, make_person, publish

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def day(moment) -> str:
    return timezone.localdate(moment).isoformat()


def files(client) -> dict[str, str | None]:
    """Return each file the index names (its path and query), with the lastmod it gives."""
    index = xml(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    return {
        entry.findtext("sm:loc", namespaces=NS).removeprefix("http://testserver"): entry.findtext(
            "sm:lastmod", namespaces=NS
        )
        for entry in index.findall("sm:sitemap", NS)
    }


def entries(client, url: str) -> dict[str, str | None]:
    return {
        entry.findtext("sm:loc", namespaces=NS).removeprefix("http://testserver"): entry.findtext(
            "sm:lastmod", namespaces=NS
        )
        for entry in xml(client, url).findall("sm:url", NS)
    }


def test_every_file_holds_at_most_fifty_thousand_urls():
    assert {section: sitemap.limit for section, sitemap in SITEMAPS.items()} == dict.fromkeys(
        SITEMAPS, 50_000
    )


def test_the_index_names_one_file_per_section(client):
    make_article(title="文章")
    assert set(files(client)) == {f"/sitemap-{section}.xml" for section in SITEMAPS}


def test_a_section_over_the_limit_is_split_into_files(client, monkeypatch):
    for sitemap in (ArticleSitemap, CompanySitemap, PersonSitemap):
        monkeypatch.setattr(sitemap, "limit", 2)
    articles = [make_article(sections=1, paragraphs=1) for _ in range(5)]
    make_article(status="draft", sections=1, paragraphs=1)

    named = files(client)
    article_files = [url for url in named if url.startswith("/sitemap-articles.xml")]
    assert article_files == [
        "/sitemap-articles.xml",
        "/sitemap-articles.xml?p=2",
        "/sitemap-articles.xml?p=3",
    ]
    listed = [entries(client, url) for url in article_files]
    assert [len(urls) for urls in listed] == [2, 2, 1]
    # In the articles' own order: a new one lands in the last file, the others keep theirs.
    assert [url for urls in listed for url in urls] == [article.get_absolute_url() for article in articles]
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_lastmod_is_when_the_live_version_was_published(client):
    article = make_article(sections=1, paragraphs=1)
    published = article.live_version.published_at
    assert entries(client, "/sitemap-articles.xml") == {article.get_absolute_url(): day(published)}

    article.title = "未發佈的修改"
    article.save()
    assert entries(client, "/sitemap-articles.xml")[article.get_absolute_url()] == day(published)

    later = timezone.now() + timedelta(days=3)
    publish(article)
    article.live_version.__class__.objects.filter(pk=article.live_version.pk).update(published_at=later)
    assert entries(client, "/sitemap-articles.xml")[article.get_absolute_url()] == day(later)
    assert parse_datetime(files(client)["/sitemap-articles.xml"]) == later


def test_only_what_readers_may_see_is_listed(client):
    public = make_article(slug="shown", sections=1, paragraphs=1)
    make_article(slug="held-back", status="review", sections=1, paragraphs=1)
    renamed = make_article(slug="before", sections=1, paragraphs=1)
    renamed.slug = "after-unpublished"
    renamed.save()
    make_company(slug="shown-co")
    make_company(slug="hidden-co", published=False)
    make_person(slug="shown-person")
    make_person(slug="hidden-person", published=False)

    assert set(entries(client, "/sitemap-articles.xml")) == {public.get_absolute_url(), "/articles/before/"}
    assert set(entries(client, "/sitemap-companies.xml")) == {"/companies/shown-co/"}
    assert set(entries(client, "/sitemap-people.xml")) == {"/people/shown-person/"}


def test_topics_are_listed_with_their_latest_published_article(client):
    compute = Topic.objects.create(name="算力", slug="compute")
    unused = Topic.objects.create(name="未用", slug="unused")
    older, newer = make_article(sections=1, paragraphs=1), make_article(sections=1, paragraphs=1)
    for article in (older, newer):
        article.topics.add(compute)
        publish(article)
    draft = make_article(status="draft", sections=1, paragraphs=1)
    draft.topics.add(unused)

    listed = entries(client, "/sitemap-topics.xml")
    latest = max(older.live_version.published_at, newer.live_version.published_at)
    assert listed == {"/topics/compute/": day(latest)}
    assert client.get("/topics/compute/").status_code == 200
    assert parse_datetime(files(client)["/sitemap-topics.xml"]) == latest
    assert TopicSitemap().summary == (1, latest)


SECTION_QUERIES = {
    # one aggregate (count, latest) per section that has one, the static section none
    "/sitemap.xml": 4,
    # the section's page, read alone: no count, its Last-Modified the latest of its own rows
    "/sitemap-articles.xml": 1,
    "/sitemap-topics.xml": 1,
    "/sitemap-companies.xml": 1,
    "/sitemap-people.xml": 1,
}


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("url", SECTION_QUERIES)
def test_sitemaps_run_a_fixed_number_of_queries(client, django_assert_num_queries, url, size):
    topic = Topic.objects.create(name="算力", slug="compute")
    for i in range(size):
        article = make_article(sections=1, paragraphs=1)
        article.topics.add(topic, Topic.objects.create(name=f"話題{i}", slug=f"topic-{i}"))
        publish(article)
        make_company()
        make_person()
    with django_assert_num_queries(SECTION_QUERIES[url]):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"<loc>") >= (size if url != "/sitemap.xml" else len(SITEMAPS))
