"""Reads of the published landscape for pages and the API, each in a fixed number of queries.

Filters name related entities by slug and only ever match published ones, so a filter cannot be used to
learn that an unpublished company or person exists. What the landscape cites of articles (quotes, figures,
an entity's mentions) is read from live versions (`LiveParagraph`, `LiveMention`, kept by
`landscape.citations`): the title, slug and anchors readers see, never the working copy's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from articles.models import Article, ArticleVersion, Paragraph
from core.variants import VARIANTS, convert
from images.models import Image

from .charts import chart_data_rows, chart_title, render_bar_chart
from .models import (
    Affiliation,
    Alias,
    Company,
    Figure,
    LiveMention,
    LiveParagraph,
    Mention,
    Person,
    Product,
    Quote,
)

# How a quote or figure reaches the live paragraph it cites (`live`, joined on its paragraph's id).
LIVE = "live__"
# Newest article first, then the article's reading order, then the row: the order of every cited list.
CITED_ORDER = (
    *(
        f"-{LIVE}{name[1:]}" if name.startswith("-") else f"{LIVE}{name}"
        for name in LiveParagraph.READING_ORDER
    ),
    "pk",
)
# How many of a profile's quotes and figures its page shows; the quote and figure lists hold the rest.
PROFILE_QUOTES = 10
PROFILE_FIGURES = 20


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


# What a cited row leaves unread of its live paragraph: the text, the version's document.
CITED_UNREAD = frozenset({f"{LIVE}text", f"{LIVE}version__content", f"{LIVE}version__withdrawn"})


def _fields_along(model, paths: Iterable[str], unread: frozenset[str]) -> list[str]:
    """Name every column of `model` and of the rows it joins along `paths`, less those `unread` names.

    `only()` with these names stands for `defer(*unread)`, which Django refuses on a join through a
    relation without a column of its own (`live`).
    """
    names = [field.name for field in model._meta.concrete_fields]
    for path in paths:
        joined, prefix = model, ""
        for part in path.split("__"):
            joined, prefix = joined._meta.get_field(part).related_model, f"{prefix}{part}__"
            names += [f"{prefix}{field.name}" for field in joined._meta.concrete_fields]
    return [name for name in dict.fromkeys(names) if name not in unread]


def live_cited(cited: QuerySet, *related: str) -> QuerySet:
    """Keep the quotes or figures whose paragraph the live version of a published article holds.

    Each comes with the rows named by `related` (joined), and with that live paragraph (`live`) and its
    version, which give the title, slug and anchor readers see; one whose paragraph the live version
    lacks would link to nothing. The live paragraph is joined on the row's own paragraph column, not
    through the working copy's paragraph: one join fewer, a third of the planning time at scale.
    """
    joined = (*related, f"{LIVE}version")
    return (
        cited.filter(**{f"{LIVE}article__in": Article.objects.published()})
        .select_related(*joined)
        .only(*_fields_along(cited.model, joined, CITED_UNREAD))
    )


def _live_quotes() -> QuerySet[Quote]:
    return live_cited(Quote.objects.all(), "speaker", "company")


def _live_figures() -> QuerySet[Figure]:
    return live_cited(Figure.objects.all(), "company", "product__company")


def articles_mentioning(*, company: str | None = None, person: str | None = None) -> QuerySet:
    """Return the ids of the articles whose live version mentions the published company or person (slug)."""
    if company:
        entity = {"company__in": Company.objects.published().filter(slug=company)}
    else:
        entity = {"person__in": Person.objects.published().filter(slug=person)}
    return LiveMention.objects.filter(**entity).values("paragraph__article_id")


def cited_paragraphs(**entity) -> QuerySet[LiveParagraph]:
    """Return the live paragraphs that mention a company or person, newest article first.

    Each carries the mentions of the entity its version published, in `entity_mentions`; page the result.
    """
    mentions = LiveMention.objects.filter(**entity)
    return (
        LiveParagraph.objects.public()
        .filter(pk__in=mentions.values("paragraph_id"))
        .select_related("version")
        .defer("version__content", "version__withdrawn")
        .prefetch_related(
            Prefetch("mentions", queryset=mentions.order_by("start"), to_attr="entity_mentions")
        )
        .reading_order()
    )


def shown_image(field: str) -> Prefetch:
    """Prefetch the image a record shows in `field` with its renditions; one a reader may not see is None.

    Two queries for any number of records, none when no record has an image.
    """
    return Prefetch(field, queryset=Image.objects.presentable().with_renditions())


def company_profile(*, slug: str) -> dict | None:
    """Return a published company with everything its page shows, or None when none such is public.

    Quotes and figures are the first few (one more tells whether there are others); the paragraphs that
    mention the company come as a queryset for the page to number.
    """
    company = (
        Company.objects.published()
        .prefetch_related(
            Prefetch("products", queryset=Product.objects.order_by("kind", "name")),
            "aliases",
            shown_image("logo"),
        )
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
    quotes = _live_quotes().filter(company=company).order_by(*CITED_ORDER)
    figures = _live_figures().filter(Q(company=company) | Q(product__company=company)).order_by(*CITED_ORDER)
    return {
        "company": company,
        "affiliations": list(affiliations),
        **_first(quotes, "quotes", PROFILE_QUOTES),
        **_first(figures, "figures", PROFILE_FIGURES),
        "cited": cited_paragraphs(company=company),
    }


def person_profile(*, slug: str) -> dict | None:
    """Return a published person with everything their page shows, or None when none such is public."""
    person = (
        Person.objects.published()
        .prefetch_related(
            Prefetch("affiliations", queryset=Affiliation.objects.public().select_related("company")),
            "aliases",
            shown_image("portrait"),
        )
        .filter(slug=slug)
        .first()
    )
    if person is None:
        return None
    quotes = _live_quotes().filter(speaker=person).order_by(*CITED_ORDER)
    return {
        "person": person,
        **_first(quotes, "quotes", PROFILE_QUOTES),
        "cited": cited_paragraphs(person=person),
    }


def _first(rows: QuerySet, name: str, size: int) -> dict:
    """Return the first `size` rows under `name`, and under `more_<name>` whether there are others."""
    found = list(rows[: size + 1])
    return {name: found[:size], f"more_{name}": len(found) > size}


def _quoted(field: str) -> Q:
    """Match the speakers or companies (`field` of a quote) with at least one public quote.

    Those with no quote at all are left out by an index lookup. For the others the first public quote is
    looked for as a subquery per row, which stops at the first it finds; an `Exists` instead is planned
    as one join that hashes every published article, 11 ms at 10,000 articles for a handful of speakers.
    """
    quotes = Quote.objects.filter(**{field: OuterRef("pk")})
    first_public = live_cited(quotes).order_by().values("pk")[:1]
    return Q(Exists(quotes)) & Q(IsNull(Subquery(first_public), False))


def quote_filter_choices() -> dict:
    """Return what the quote list's filter may name: speakers and companies with public quotes, articles.

    Speakers and companies are chosen from a list, as many as the landscape holds; articles are named by
    their live slug only (a link from a quote), so the filter never lists every article.
    """
    return {
        "speakers": Person.objects.published().filter(_quoted("speaker")),
        "companies": Company.objects.published().filter(_quoted("company")).order_by("name_zh"),
        "articles": ArticleVersion.objects.live().defer("content", "withdrawn"),
    }


def quotes_filtered(*, speaker=None, company=None, article: ArticleVersion | None = None):
    """Return the public quotes, narrowed to a speaker, a company and an article's live version."""
    quotes = _live_quotes()
    if speaker is not None:
        quotes = quotes.filter(speaker=speaker)
    if company is not None:
        quotes = quotes.filter(company=company)
    if article is not None:
        quotes = quotes.filter(**{f"{LIVE}version": article})
    return quotes.order_by(*CITED_ORDER)


def featured_quotes(*, limit: int = 5) -> list[Quote]:
    """Return featured public quotes for the home page, newest article first."""
    return list(_live_quotes().filter(featured=True).order_by(*CITED_ORDER)[:limit])


@dataclass
class Chart:
    group: str
    title: str
    figures: list[Figure]
    svg: SafeString
    rows: list[tuple[str, str]]
    source_url: str = field(default="", kw_only=True)
    source_title: str = field(default="", kw_only=True)


def _chart(group: str, figures: list[Figure], *, source_url: str, source_title: str) -> Chart:
    return Chart(
        group=group,
        title=chart_title(group),
        figures=figures,
        svg=render_bar_chart(figures),
        rows=chart_data_rows(figures),
        source_url=source_url,
        source_title=source_title,
    )


def figures_listed(*, company: Company | None = None) -> QuerySet[Figure]:
    """Return the public figures in the order lists show them, narrowed to a company and its products."""
    figures = _live_figures()
    if company is not None:
        figures = figures.filter(Q(company=company) | Q(product__company=company))
    return figures.order_by(*CITED_ORDER)


def figure_charts(figures: QuerySet[Figure]) -> list[Chart]:
    """Return a chart for each chart group among `figures`, drawn from those figures only."""
    groups: dict[str, list[Figure]] = {}
    for figure in figures.exclude(chart_group=""):
        groups.setdefault(figure.chart_group, []).append(figure)
    charts = []
    for group, members in groups.items():
        cited = members[0].live
        charts.append(
            _chart(group, members, source_url=cited.get_absolute_url(), source_title=cited.version.title)
        )
    return charts


def charts_for_paragraphs(paragraphs: Iterable[Paragraph]) -> dict[str, SafeString]:
    """Map a paragraph anchor to the chart HTML to show right after that paragraph, in one query.

    A chart stands where the article's lost image was: after the caption that follows the paragraph
    holding its figures; without such a caption, right after that paragraph. Its source is the paragraph
    as given, the version being read, so the chart cites what the reader sees.
    """
    paragraphs = list(paragraphs)
    if not paragraphs:
        return {}
    given = {paragraph.pk: paragraph for paragraph in paragraphs}
    figures = (
        Figure.objects.public()
        .filter(paragraph__in=paragraphs)
        .exclude(chart_group="")
        .select_related("company", "product")
    )
    groups: dict[tuple[int, str], list[Figure]] = {}
    for figure in figures:
        figure.paragraph = given[figure.paragraph_id]
        groups.setdefault((figure.paragraph_id, figure.chart_group), []).append(figure)
    if not groups:
        return {}

    position = {p.pk: i for i, p in enumerate(paragraphs)}
    charts: dict[str, list[Chart]] = {}
    for (paragraph_id, group), members in groups.items():
        i = position[paragraph_id]
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        host = following if following and following.kind == Paragraph.Kind.IMAGE else paragraphs[i]
        source = members[0].paragraph
        chart = _chart(
            group, members, source_url=source.get_absolute_url(), source_title=source.section.article.title
        )
        charts.setdefault(host.anchor, []).append(chart)
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
    """Return the quotes of live versions, narrowed by speaker, company and the article's live slug."""
    quotes = _live_quotes()
    if speaker:
        quotes = quotes.filter(speaker__in=Person.objects.published().filter(slug=speaker))
    if company:
        quotes = quotes.filter(company__in=Company.objects.published().filter(slug=company))
    if article:
        quotes = quotes.filter(**{f"{LIVE}version__slug": article})
    return quotes


def published_figures(
    *,
    company: str | None = None,
    product: str | None = None,
    article: str | None = None,
    chart_group: str | None = None,
) -> QuerySet[Figure]:
    """Return the figures of live versions, narrowed by company, product, article slug and chart group.

    A company's figures include those of its products.
    """
    figures = _live_figures()
    if company:
        published = Company.objects.published().filter(slug=company)
        figures = figures.filter(Q(company__in=published) | Q(product__company__in=published))
    if product:
        figures = figures.filter(product__in=Product.objects.public().filter(slug=product))
    if article:
        figures = figures.filter(**{f"{LIVE}version__slug": article})
    if chart_group:
        figures = figures.filter(chart_group=chart_group)
    return figures
