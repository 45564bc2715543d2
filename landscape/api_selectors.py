"""Reads of the published landscape for the API, each in a fixed number of queries.

Filters name related entities by slug and only ever match published ones, so a filter cannot be used to
learn that an unpublished company or person exists.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from articles.variants import VARIANTS, convert

from .models import Affiliation, Alias, Company, Figure, Person, Product, Quote


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
    quotes = Quote.objects.published().for_listing()
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
    figures = Figure.objects.published().for_listing()
    if company:
        published = Company.objects.published().filter(slug=company)
        figures = figures.filter(Q(company__in=published) | Q(product__company__in=published))
    if product:
        figures = figures.filter(product__in=Product.objects.published().filter(slug=product))
    if article:
        figures = figures.filter(paragraph__section__article__slug=article)
    if chart_group:
        figures = figures.filter(chart_group=chart_group)
    return figures
