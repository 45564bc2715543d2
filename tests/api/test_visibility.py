"""Property: whatever editors publish, unpublish or hide, no public surface shows what is not public.

The surfaces are every public page, every API endpoint, search (page and API), the Atom feed, the sitemap
and robots.txt. Entity names are unique marker strings that no article text contains: the articles call
their companies and people by other words (文中公司0, 文中人物0), so any name of an unpublished company
or person seen anywhere can only have come from that entity's own record.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Annotation, Article, Paragraph
from core.variants import VARIANTS, convert
from landscape.models import Affiliation, Company, Person, Product
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

ARTICLES, COMPANIES, PEOPLE, ANNOTATIONS_PER_ARTICLE = 3, 3, 2, 2
NOTES = ARTICLES * ANNOTATIONS_PER_ARTICLE
LISTS = ["/api/v1/articles", "/api/v1/companies", "/api/v1/people", "/api/v1/quotes", "/api/v1/figures"]
PAGES = ["/", "/articles/", "/landscape/", "/quotes/", "/figures/", "/feeds/articles.atom", "/sitemap.xml"]
PAGES += ["/robots.txt"]
# Every marker and every entity name in the world holds one of these words.
SEARCH_WORDS = ("標記", "本名", "又名", "hush")


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
    # What names an entity from its own record: its names, aliases and, for a company, its products.
    names: dict[Company | Person, list[str]] = field(default_factory=dict)
    # Notes made internal since the world was published: withdrawn until an editor publishes again.
    withdrawn: set = field(default_factory=set)

    def article_of(self, annotation: Annotation) -> Article:
        return next(article for article in self.articles if article.pk == annotation.article_id)


def build_world() -> World:
    """Articles that quote, count and mention companies and people, with notes of both visibilities."""
    companies = [
        make_company(name_zh=f"公司本名{i}", name_en=f"Hushco{i}", slug=f"visible-co-{i}")
        for i in range(COMPANIES)
    ]
    people = [
        make_person(name_zh=f"人物本名{i}", name_en=f"Hushperson{i}", slug=f"visible-person-{i}")
        for i in range(PEOPLE)
    ]
    products = []
    for i, company in enumerate(companies):
        make_alias(f"公司又名{i}", company=company)
        products.append(Product.objects.create(name=f"產品本名{i}", slug=f"product-{i}", company=company))
        # One role also names its organisation in the editor's words, shown when the company is hidden.
        organisation = f"登記機構{i}" if i == 1 else ""
        Affiliation.objects.create(
            person=people[i % PEOPLE], company=company, organisation=organisation, role="創始人"
        )
    for i, person in enumerate(people):
        make_alias(f"人物又名{i}", person=person)
    world = World(articles=[], companies=companies, people=people, annotations=[])
    for i, company in enumerate(companies):
        world.names[company] = [company.name_zh, company.name_en, f"公司又名{i}", products[i].name]
    for i, person in enumerate(people):
        world.names[person] = [person.name_zh, person.name_en, f"人物又名{i}"]
    for a in range(ARTICLES):
        article = make_article(title=f"標記文章{a}", slug=f"marked-article-{a}", sections=1, paragraphs=2)
        paragraphs = list(Paragraph.objects.filter(section__article=article).order_by("position"))
        # The article's own words for the company and the person: shown whatever their state, never linked
        # while the entity is unpublished.
        said_company, said_person = f"文中公司{a % COMPANIES}", f"文中人物{a % PEOPLE}"
        for p, paragraph in enumerate(paragraphs):
            paragraph.text = f"段落標記{a}-{p}：{said_company}與{said_person}談大模型。"
            paragraph.save()
        first, second = paragraphs
        company, person = companies[a % COMPANIES], people[a % PEOPLE]
        at = first.text.index(said_company)
        make_mention(first, at, at + len(said_company), company=company)
        at = first.text.index(said_person)
        make_mention(first, at, at + len(said_person), person=person)
        # Every other quote keeps the article's words for its speaker; the rest have only the speaker link.
        described = {"speaker_description": said_person} if a % 2 == 0 else {}
        quote = make_quote(
            second, speaker=person, company=company, text=f"引語標記{a}", featured=True, **described
        )
        world.quotes[article.pk] = [quote]
        world.figures[article.pk] = [
            make_figure(second, company=company, label=f"數字標記{a}", chart_group="marked"),
            make_figure(second, product=products[a % COMPANIES], label=f"產品數字標記{a}"),
        ]
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
    # What readers see is what an editor published: the world is published once, whole. The plans then
    # withdraw (an article, an entity, a note) and that takes effect at once.
    for article in world.articles:
        publish(article)
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
        if visibility != Annotation.Visibility.PUBLIC:
            world.withdrawn.add(annotation.uid)


def surfaces(world: World) -> list[str]:
    """Return every public URL of the world: pages, feed, sitemap, search and the API, lists and details."""
    urls = [f"{url}?limit=100" for url in LISTS]
    urls += [f"/api/v1/search?q={word}&limit=100" for word in SEARCH_WORDS]
    urls += [f"/api/v1/articles/{a.slug}?variant=zh-hans" for a in world.articles]
    urls += [f"/api/v1/articles/{a.slug}" for a in world.articles]
    urls += [f"/api/v1/companies/{c.slug}" for c in world.companies]
    urls += [f"/api/v1/people/{p.slug}" for p in world.people]
    urls += [f"/api/v1/quotes/{q.pk}" for quotes in world.quotes.values() for q in quotes]
    urls += [f"/api/v1/figures/{f.pk}" for figures in world.figures.values() for f in figures]
    urls += [f"/api/v1/quotes?speaker={p.slug}&limit=100" for p in world.people]
    urls += [f"/api/v1/people?company={c.slug}&limit=100" for c in world.companies]
    urls += [f"/api/v1/figures?company={c.slug}&limit=100" for c in world.companies]
    urls += [*PAGES, "/?variant=zh-hans", "/quotes/?variant=zh-hans"]
    urls += [f"/search?q={word}" for word in SEARCH_WORDS]
    urls += [f"/search?q={word}&variant=zh-hans" for word in SEARCH_WORDS]
    urls += [a.get_absolute_url() for a in world.articles]
    urls += [f"{a.get_absolute_url()}?variant=zh-hans" for a in world.articles]
    urls += [f"/quotes/?article={a.slug}" for a in world.articles]
    urls += [f"/quotes/?speaker={p.slug}" for p in world.people]
    urls += [f"/quotes/?company={c.slug}" for c in world.companies]
    urls += [e.get_absolute_url() for e in [*world.companies, *world.people]]
    return urls


def fetch(client, world: World) -> tuple[str, str, dict[str, int]]:
    """Request every surface; return the successful bodies, every body (refusals too) and all statuses."""
    served, answered, statuses = [], [], {}
    for url in surfaces(world):
        response = client.get(url)
        # 400: a quote filter naming what is not public is refused with the form, as an unknown one is.
        assert response.status_code in (200, 400, 404), (url, response.content)
        statuses[url] = response.status_code
        body = response.content.decode()
        answered.append(body)
        if response.status_code == 200:
            served.append(body)
    return "\n".join(served), "\n".join(answered), statuses


def spellings(name: str) -> set[str]:
    """Return a name as written and in each script the site can serve it in."""
    return {name, *(convert(name, variant) for variant in VARIANTS)}


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
    served, answered, statuses = fetch(client, world)

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
        assert statuses[entity.get_absolute_url()] == (200 if entity.published else 404)
        names = {spelling for name in world.names[entity] for spelling in spellings(name)}
        if entity.published:
            # The markers can be seen: a published entity's names are on its own page and in the API.
            assert entity.name_zh in served and entity.name_en in served
            continue
        # No surface names an unpublished entity, not even a refusal or a not-found page.
        for name in names:
            assert name not in answered, (entity.slug, name)
        # Slugs and URLs name an entity's page; an unpublished one has none to name.
        assert entity.slug not in served
        assert entity.get_absolute_url() not in served
    for annotation in world.annotations:
        shown = (
            annotation.visibility == Annotation.Visibility.PUBLIC
            and annotation.uid not in world.withdrawn
            and world.article_of(annotation).is_public
        )
        assert (str(annotation.uid) in served) == shown
        assert (annotation.body in served) == shown
