"""Property: whatever editors publish, unpublish or hide, the API shows only what is public."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Annotation, Article, Paragraph
from landscape.models import Affiliation, Company, Person
from tests.factories import make_article

from .factories import (
    make_alias,
    make_annotation,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
)

ARTICLES, COMPANIES, PEOPLE, ANNOTATIONS_PER_ARTICLE = 3, 3, 2, 2
NOTES = ARTICLES * ANNOTATIONS_PER_ARTICLE
LISTS = ["/api/v1/articles", "/api/v1/companies", "/api/v1/people", "/api/v1/quotes", "/api/v1/figures"]


@dataclass
class World:
    articles: list[Article]
    companies: list[Company]
    people: list[Person]
    annotations: list[Annotation]
    quotes: dict[int, list] = field(default_factory=dict)  # article pk → its quotes
    figures: dict[int, list] = field(default_factory=dict)
    # Text found only in one article's paragraphs, quotes and figures.
    markers: dict[int, list[str]] = field(default_factory=dict)

    def article_of(self, annotation: Annotation) -> Article:
        return next(article for article in self.articles if article.pk == annotation.article_id)


def build_world() -> World:
    """Articles that quote, count and mention companies and people, with notes of both visibilities."""
    companies = [make_company(name_zh=f"可見公司{i}", slug=f"visible-co-{i}") for i in range(COMPANIES)]
    people = [make_person(name_zh=f"可見人物{i}", slug=f"visible-person-{i}") for i in range(PEOPLE)]
    for i, company in enumerate(companies):
        make_alias(f"別稱{i}", company=company)
        Affiliation.objects.create(person=people[i % PEOPLE], company=company, role="創始人")
    world = World(articles=[], companies=companies, people=people, annotations=[])
    for a in range(ARTICLES):
        article = make_article(title=f"標記文章{a}", slug=f"marked-article-{a}", sections=1, paragraphs=2)
        paragraphs = list(Paragraph.objects.filter(section__article=article).order_by("position"))
        for p, paragraph in enumerate(paragraphs):
            paragraph.text = f"段落標記{a}-{p}：可見公司{a % COMPANIES}與可見人物{a % PEOPLE}談大模型。"
            paragraph.save()
        first, second = paragraphs
        company, person = companies[a % COMPANIES], people[a % PEOPLE]
        make_mention(first, first.text.index("可見公司"), first.text.index("可見公司") + 5, company=company)
        make_mention(first, first.text.index("可見人物"), first.text.index("可見人物") + 5, person=person)
        world.quotes[article.pk] = [
            make_quote(second, speaker=person, company=company, text=f"引語標記{a}"),
        ]
        world.figures[article.pk] = [make_figure(second, company=company, label=f"數字標記{a}")]
        for n in range(ANNOTATIONS_PER_ARTICLE):
            world.annotations.append(make_annotation(first, 0, 4, body=f"註釋標記{a}-{n}"))
        world.markers[article.pk] = [
            article.slug,
            article.title,
            f"段落標記{a}-",
            f"引語標記{a}",
            f"數字標記{a}",
        ]
        world.articles.append(article)
    return world


article_states = st.sampled_from(
    [
        (Article.Status.PUBLISHED, -1),
        (Article.Status.SCHEDULED, -1),
        (Article.Status.SCHEDULED, +1),  # scheduled for tomorrow: not yet public
        (Article.Status.DRAFT, None),
        (Article.Status.REVIEW, None),
        (Article.Status.ARCHIVED, -1),
    ]
)
visibilities = st.sampled_from(list(Annotation.Visibility))


def apply(world: World, article_plan, company_plan, person_plan, annotation_plan) -> None:
    """Save each change the way the admin does, so that signal receivers see it too."""
    now = timezone.now()
    for article, (status, days) in zip(world.articles, article_plan, strict=True):
        article.status = status
        article.publish_at = None if days is None else now + timedelta(days=days)
        article.save()
    for entity, published in [
        *zip(world.companies, company_plan, strict=True),
        *zip(world.people, person_plan, strict=True),
    ]:
        entity.published = published
        entity.save()
    for annotation, visibility in zip(world.annotations, annotation_plan, strict=True):
        annotation.visibility = visibility
        annotation.save()


def fetch(client, world: World) -> tuple[str, list[int]]:
    """Request every list and every object's detail; return the successful bodies and all statuses."""
    urls = [f"{url}?limit=100" for url in LISTS]
    # Every marker and every entity name in the world holds one of these words.
    urls += [f"/api/v1/search?q={word}&limit=100" for word in ("標記", "可見", "別稱")]
    urls += [f"/api/v1/articles/{a.slug}?variant=zh-hans" for a in world.articles]
    urls += [f"/api/v1/articles/{a.slug}" for a in world.articles]
    urls += [f"/api/v1/companies/{c.slug}" for c in world.companies]
    urls += [f"/api/v1/people/{p.slug}" for p in world.people]
    urls += [f"/api/v1/quotes/{q.pk}" for quotes in world.quotes.values() for q in quotes]
    urls += [f"/api/v1/figures/{f.pk}" for figures in world.figures.values() for f in figures]
    bodies, statuses = [], {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.content)
        statuses[url] = response.status_code
        if response.status_code == 200:
            bodies.append(response.content.decode())
    return "\n".join(bodies), statuses


@pytest.fixture
def world(db):
    return build_world()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    article_plan=st.lists(article_states, min_size=ARTICLES, max_size=ARTICLES),
    company_plan=st.lists(st.booleans(), min_size=COMPANIES, max_size=COMPANIES),
    person_plan=st.lists(st.booleans(), min_size=PEOPLE, max_size=PEOPLE),
    annotation_plan=st.lists(
        visibilities, min_size=ARTICLES * ANNOTATIONS_PER_ARTICLE, max_size=ARTICLES * ANNOTATIONS_PER_ARTICLE
    ),
)
def test_nothing_unpublished_or_internal_is_ever_served(
    client, world, article_plan, company_plan, person_plan, annotation_plan
):
    apply(world, article_plan, company_plan, person_plan, annotation_plan)
    served, statuses = fetch(client, world)

    found = client.get("/api/v1/search", {"q": "段落標記", "limit": 100}).content.decode()
    for article in world.articles:
        public = article.is_public
        # Search is held to the same rule, and does find what is public.
        assert (world.markers[article.pk][2] in found) == public
        assert statuses[f"/api/v1/articles/{article.slug}"] == (200 if public else 404)
        for marker in world.markers[article.pk]:
            assert (marker in served) == public, marker
    for entity in [*world.companies, *world.people]:
        kind = "companies" if isinstance(entity, Company) else "people"
        assert statuses[f"/api/v1/{kind}/{entity.slug}"] == (200 if entity.published else 404)
        # Slugs and URLs name an entity's page; an unpublished one has none to name.
        if not entity.published:
            assert entity.slug not in served
            assert entity.get_absolute_url() not in served
    for annotation in world.annotations:
        shown = (
            annotation.visibility == Annotation.Visibility.PUBLIC and world.article_of(annotation).is_public
        )
        assert (str(annotation.uid) in served) == shown
        assert (annotation.body in served) == shown
