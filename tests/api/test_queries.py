"""Every endpoint runs a fixed number of SQL queries, whatever the amount of data on the page."""

import pytest

from articles.models import Annotation, Article, Paragraph, Topic
from landscape.models import Affiliation, Company, Person, Product
from search.services import search_rebuild
from tests.factories import (
    make_alias,
    make_annotation,
    make_article,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
    publish,
)
from tests.images.support import make_image

SIZES = [2, 15]

# Lists: count, page, and one prefetch per many-valued relation; details: the object and its prefetches.
QUERIES = {
    "/api/v1/articles?limit=100": 3,
    # Served as stored (reader/rendered.py): the live version and its current document, in one query.
    "/api/v1/articles/{article}": 1,
    "/api/v1/companies?limit=100": 3,
    "/api/v1/companies/{company}": 4,
    "/api/v1/people?limit=100": 3,
    "/api/v1/people/{person}": 3,
    "/api/v1/quotes?limit=100": 2,
    "/api/v1/quotes/{quote}": 1,
    "/api/v1/figures?limit=100": 2,
    "/api/v1/figures/{figure}": 1,
    # The search service counts the matches per type, then fetches the page.
    "/api/v1/search?q=大模型&limit=100": 2,
}
# The first request for a stored document renders it: the lookup, the version, its fingerprint, topics, notes,
# one query per kind of entity named, and the store.
RENDERED_FIRST = {"/api/v1/articles/{article}": 8}


def build(n: int) -> dict[str, object]:
    """Create n of everything, linked the way real content is, and return one of each to fetch."""
    topics = [Topic.objects.create(name=f"話題{i}", slug=f"topic-{i}") for i in range(n)]
    articles = [make_article(sections=n, paragraphs=2) for _ in range(n)]
    for article in articles:
        article.topics.set(topics)
    article = articles[0]
    paragraphs = list(Paragraph.objects.filter(section__article=article))
    companies = [make_company() for _ in range(n)]
    people = [make_person() for _ in range(n)]
    for i, (company, person, paragraph) in enumerate(zip(companies, people, paragraphs, strict=False)):
        make_alias(f"別名{i}", company=company)
        make_alias(f"人名{i}", person=person)
        Product.objects.create(name=f"產品{i}", slug=f"product-{n}-{i}", company=companies[0])
        Affiliation.objects.create(person=people[0], company=company, role=f"職位{i}")
        Affiliation.objects.create(person=person, company=companies[0], role="研究員")
        make_quote(paragraph, speaker=person, company=company)
        make_figure(paragraph, company=company)
        make_annotation(paragraph, 0, 2)
        make_annotation(paragraph, 2, 4, visibility=Annotation.Visibility.INTERNAL)
        make_mention(paragraph, 0, 2, company=company)
        make_mention(paragraph, 3, 5, person=person)
    # make_article bulk-creates paragraphs, which sends no signal for the index to follow.
    search_rebuild()
    return {
        "article": article.slug,
        "company": companies[0].slug,
        "person": people[0].slug,
        "quote": paragraphs[0].quotes.get().pk,
        "figure": paragraphs[0].figures.get().pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("url", QUERIES)
def test_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries, size, url):
    keys = build(size)
    assert Company.objects.count() == Person.objects.count() == size
    if url in RENDERED_FIRST:
        with django_assert_max_num_queries(RENDERED_FIRST[url]):
            assert client.get(url.format(**keys)).status_code == 200
    with django_assert_max_num_queries(QUERIES[url]):
        response = client.get(url.format(**keys))
    assert response.status_code == 200, response.content
    body = response.json()
    if "items" in body:
        assert len(body["items"]) >= size


@pytest.mark.django_db
def test_images_cost_two_reads_per_document_however_many(client, django_assert_max_num_queries):
    """A logo, a portrait or an article's images: the images and all their renditions in two reads."""
    keys = build(2)
    company, person = Company.objects.get(slug=keys["company"]), Person.objects.get(slug=keys["person"])
    company.logo = make_image("logo.png", fmt="PNG", color=(1, 2, 3), alt_text="標誌")
    company.save()
    person.portrait = make_image("portrait.jpg", color=(3, 2, 1), alt_text="照片")
    person.save()
    article = Article.objects.get(slug=keys["article"])
    article.lead_image = make_image("lead.jpg", color=(9, 8, 7), alt_text="頭圖")
    article.save()
    publish(article)
    detail = {
        "/api/v1/companies/{company}": "logo",
        "/api/v1/people/{person}": "portrait",
        "/api/v1/articles/{article}": "lead_image",
    }
    for url, field in detail.items():
        if url in RENDERED_FIRST:
            with django_assert_max_num_queries(RENDERED_FIRST[url] + 2):
                assert client.get(url.format(**keys)).status_code == 200
        # Stored documents stay at one query; the others read the image and its renditions.
        extra = 0 if url in RENDERED_FIRST else 2
        with django_assert_max_num_queries(QUERIES[url] + extra):
            response = client.get(url.format(**keys))
        assert response.status_code == 200
        assert response.json()[field]["renditions"]
