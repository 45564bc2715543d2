"""Reads of the published landscape for pages and the API, each in a fixed number of queries.

Filters name related entities by slug and only ever match published ones, so a filter cannot be used to
learn that an unpublished company or person exists.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from articles.models import Article, Paragraph
from core.variants import VARIANTS, convert

from .charts import chart_data_rows, chart_title, render_bar_chart
from .models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote


@dataclass
class Layer:
    key: str
    label: str
    companies: list[Company] = field(default_factory=list)


def landscape_layers() -> dict[str, Layer]:
    """Return the published companies grouped by landscape layer, in one query."""
    layers = {key: Layer(key, label) for key, label in Company.Layer.choices}
    for company in Company.objects.published().order_by("name_zh"):
        layers[company.layer].companies.append(company)
    return layers


@dataclass
class CitedParagraph:
    """A paragraph that mentions an entity, with the mentions found in it."""

    paragraph: Paragraph
    mentions: list[Mention]


def _cited_paragraphs(mentions: Iterable[Mention]) -> list[CitedParagraph]:
    by_paragraph: dict[int, CitedParagraph] = {}
    for mention in mentions:
        cited = by_paragraph.setdefault(mention.paragraph_id, CitedParagraph(mention.paragraph, []))
        cited.mentions.append(mention)
    return list(by_paragraph.values())


def _public_mentions_of(**entity) -> list[CitedParagraph]:
    mentions = (
        Mention.objects.public()
        .filter(**entity)
        .select_related("paragraph__section__article", "company", "person")
        .order_by(
            "-paragraph__section__article__publish_at",
            "paragraph__section__position",
            "paragraph__position",
            "start",
        )
    )
    return _cited_paragraphs(mentions)


def company_profile(*, slug: str) -> dict | None:
    """Return a published company with everything its page shows, or None when none such is public."""
    company = (
        Company.objects.published()
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("kind", "name")), "aliases")
        .filter(slug=slug)
        .first()
    )
    if company is None:
        return None
    affiliations = (
        Affiliation.objects.public()
        .filter(company=company)
        .select_related("person")
        .order_by("person__name_zh", "-start_year")
    )
    quotes = Quote.objects.public().filter(company=company).for_listing()
    figures = (
        Figure.objects.public()
        .filter(Q(company=company) | Q(product__company=company))
        .for_listing()
        .order_by("paragraph__section__position", "paragraph__position", "pk")
    )
    return {
        "company": company,
        "affiliations": list(affiliations),
        "quotes": list(quotes),
        "figures": list(figures),
        "cited_paragraphs": _public_mentions_of(company=company),
    }


def person_profile(*, slug: str) -> dict | None:
    """Return a published person with everything their page shows, or None when none such is public."""
    person = (
        Person.objects.published()
        .prefetch_related(
            Prefetch("affiliations", queryset=Affiliation.objects.public().select_related("company")),
            "aliases",
        )
        .filter(slug=slug)
        .first()
    )
    if person is None:
        return None
    quotes = Quote.objects.public().filter(speaker=person).for_listing()
    return {
        "person": person,
        "quotes": list(quotes),
        "cited_paragraphs": _public_mentions_of(person=person),
    }


def quote_filter_choices() -> dict:
    """Return the speakers, companies and articles that have public quotes, for the filter form."""
    public_quotes = Quote.objects.public()
    return {
        "speakers": Person.objects.published().filter(Exists(public_quotes.filter(speaker=OuterRef("pk")))),
        "companies": Company.objects.published()
        .filter(Exists(public_quotes.filter(company=OuterRef("pk"))))
        .order_by("name_zh"),
        "articles": Article.objects.published().filter(
            Exists(public_quotes.filter(paragraph__section__article=OuterRef("pk")))
        ),
    }


def quotes_filtered(*, speaker=None, company=None, article=None):
    """Return the public quotes, narrowed to a speaker, a company and an article when given."""
    quotes = Quote.objects.public().for_listing()
    if speaker is not None:
        quotes = quotes.filter(speaker=speaker)
    if company is not None:
        quotes = quotes.filter(company=company)
    if article is not None:
        quotes = quotes.filter(paragraph__section__article=article)
    return quotes.order_by(
        "-paragraph__section__article__publish_at",
        "paragraph__section__position",
        "paragraph__position",
        "pk",
    )


def featured_quotes(*, limit: int = 5) -> list[Quote]:
    """Return featured public quotes for the home page."""
    return list(Quote.objects.public().filter(featured=True).for_listing()[:limit])


@dataclass
class Chart:
    group: str
    title: str
    figures: list[Figure]
    svg: SafeString
    rows: list[tuple[str, str]]

    @property
    def source(self) -> Paragraph:
        return self.figures[0].paragraph


def _chart(group: str, figures: list[Figure]) -> Chart:
    return Chart(
        group=group,
        title=chart_title(group),
        figures=figures,
        svg=render_bar_chart(figures),
        rows=chart_data_rows(figures),
    )


def figures_overview() -> dict:
    """Return every public figure, and a chart for each chart group."""
    figures = list(
        Figure.objects.public()
        .for_listing()
        .order_by(
            "-paragraph__section__article__publish_at",
            "paragraph__section__position",
            "paragraph__position",
            "pk",
        )
    )
    groups: dict[str, list[Figure]] = {}
    for figure in figures:
        if figure.chart_group:
            groups.setdefault(figure.chart_group, []).append(figure)
    return {
        "figures": figures,
        "charts": [_chart(group, members) for group, members in groups.items()],
    }


def charts_for_paragraphs(paragraphs: Iterable[Paragraph]) -> dict[str, SafeString]:
    """Map a paragraph anchor to the chart HTML to show right after that paragraph, in one query.

    A chart stands where the article's lost image was: after the caption that follows the paragraph
    holding its figures; without such a caption, right after that paragraph.
    """
    paragraphs = list(paragraphs)
    if not paragraphs:
        return {}
    figures = (
        Figure.objects.public()
        .filter(paragraph__in=paragraphs)
        .exclude(chart_group="")
        .select_related("company", "product", "paragraph__section__article")
    )
    groups: dict[tuple[int, str], list[Figure]] = {}
    for figure in figures:
        groups.setdefault((figure.paragraph_id, figure.chart_group), []).append(figure)
    if not groups:
        return {}

    position = {p.pk: i for i, p in enumerate(paragraphs)}
    charts: dict[str, list[Chart]] = {}
    for (paragraph_id, group), members in groups.items():
        i = position[paragraph_id]
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        host = following if following and following.kind == Paragraph.Kind.CAPTION else paragraphs[i]
        charts.setdefault(host.anchor, []).append(_chart(group, members))
    return {
        anchor: render_to_string("landscape/_charts.html", {"charts": host_charts})
        for anchor, host_charts in charts.items()
    }


def mentions_by_paragraph(paragraphs: Iterable[Paragraph]) -> dict[int, list[Mention]]:
    """Map a paragraph id to its public mentions, ordered by position, in one query."""
    paragraphs = list(paragraphs)
    found: dict[int, list[Mention]] = {}
    if not paragraphs:
        return found
    for mention in (
        Mention.objects.public()
        .filter(paragraph__in=paragraphs)
        .select_related("company", "person")
        .order_by("paragraph", "start")
    ):
        found.setdefault(mention.paragraph_id, []).append(mention)
    return found


def mentions_needing_review(article: Article) -> QuerySet[Mention]:
    """Return the article's mentions that lost their place in its text, for editors to review.

    Count them with `.count()`; list them in the mention admin with `?review=needed&unplaced_in__id__exact=`.
    """
    return (
        Mention.objects.needing_review()
        .filter(unplaced_in=article)
        .select_related("company", "person")
        .order_by("start", "pk")
    )


def _spellings(text: str) -> set[str]:
    """Return `text` as typed and in both scripts, so 字节 finds 字節 and the other way round."""
    text = text.strip()
    return {text, *(convert(text, variant) for variant in VARIANTS)} - {""}


def _named(text: str, alias_owner: str) -> Q:
    condition = Q()
    for spelling in _spellings(text):
        condition |= (
            Q(name_zh__icontains=spelling)
            | Q(name_en__icontains=spelling)
            | Exists(Alias.objects.filter(**{alias_owner: OuterRef("pk")}, name__icontains=spelling))
        )
    return condition


def published_companies(
    *, layer: str | None = None, country: str | None = None, q: str | None = None
) -> QuerySet[Company]:
    """Return the published companies with their aliases, narrowed by layer, country and a name query."""
    companies = Company.objects.published().prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.order_by("name"))
    )
    if layer:
        companies = companies.filter(layer=layer)
    if country:
        companies = companies.filter(country__iexact=country)
    if q and q.strip():
        companies = companies.filter(_named(q, "company"))
    return companies


def published_companies_in_full() -> QuerySet[Company]:
    """Return published companies with aliases, products and the published people affiliated with them."""
    return published_companies().prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("kind", "name", "pk")),
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.public()
            .select_related("person")
            .order_by("person__name_zh", "-start_year", "pk"),
            to_attr="public_affiliations",
        ),
    )


def published_people(*, q: str | None = None, company: str | None = None) -> QuerySet[Person]:
    """Return the published people with their aliases, narrowed by a name query and a company slug."""
    people = Person.objects.published().prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.order_by("name"))
    )
    if q and q.strip():
        people = people.filter(_named(q, "person"))
    if company:
        people = people.filter(
            Exists(
                Affiliation.objects.filter(
                    person=OuterRef("pk"), company__in=Company.objects.published().filter(slug=company)
                )
            )
        )
    return people


def published_people_in_full() -> QuerySet[Person]:
    """Return published people with aliases and the affiliations readers may see, companies joined."""
    return published_people().prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.public()
            .select_related("company")
            .order_by("-start_year", "organisation", "pk"),
        )
    )


def published_quotes(
    *, speaker: str | None = None, company: str | None = None, article: str | None = None
) -> QuerySet[Quote]:
    """Return the quotes of published articles, narrowed by speaker, company and article slugs."""
    quotes = Quote.objects.public().for_listing()
    if speaker:
        quotes = quotes.filter(speaker__in=Person.objects.published().filter(slug=speaker))
    if company:
        quotes = quotes.filter(company__in=Company.objects.published().filter(slug=company))
    if article:
        quotes = quotes.filter(paragraph__section__article__slug=article)
    return quotes


def published_figures(
    *,
    company: str | None = None,
    product: str | None = None,
    article: str | None = None,
    chart_group: str | None = None,
) -> QuerySet[Figure]:
    """Return the figures of published articles, narrowed by company, product, article and chart group.

    A company's figures include those of its products.
    """
    figures = Figure.objects.public().for_listing()
    if company:
        published = Company.objects.published().filter(slug=company)
        figures = figures.filter(Q(company__in=published) | Q(product__company__in=published))
    if product:
        figures = figures.filter(product__in=Product.objects.public().filter(slug=product))
    if article:
        figures = figures.filter(paragraph__section__article__slug=article)
    if chart_group:
        figures = figures.filter(chart_group=chart_group)
    return figures
