"""Read API for the published landscape: companies, people, quotes and figures."""

from datetime import date
from typing import Literal

from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from articles.models import Article
from core.apitools import (
    DETAIL_ERRORS,
    LIST_ERRORS,
    CursorPage,
    PublishedBetween,
    QueryText,
    ScriptText,
    SlugFilter,
    SlugPath,
    Variant,
    get_or_404,
    order,
    ordering_type,
)
from core.frontcache import cache_tags, list_tag, record_tag
from images.renditions import picture_document
from images.schemas import ImageOut, image_out

from .models import Company, Figure, Person, Product, Quote
from .selectors import (
    CITED_ORDER,
    LIVE,
    published_companies,
    published_companies_in_full,
    published_figures,
    published_people,
    published_people_in_full,
    published_quotes,
    shown_image,
)

router = Router(tags=["landscape"])

# The largest id a database row can have; a bigger number cannot name a quote or a figure.
MAX_ID = 2**63 - 1

# The landscape's own order, base to top as the article draws it (research, platforms, AI 1.0, start-ups,
# overseas…), not the alphabetical order of the layer codes.
LAYER_RANK = Case(
    *(When(layer=layer, then=Value(rank)) for rank, layer in enumerate(Company.Layer.values)),
    default=Value(len(Company.Layer.values)),
    output_field=IntegerField(),
)

LAYER_ORDER_NOTE = "`layer` follows the landscape from its base: {}.".format(
    ", ".join(f"`{layer}`" for layer in Company.Layer.values)
)

COMPANY_ORDERINGS = {
    "layer": (LAYER_RANK.asc(), "name_zh", "pk"),
    "name_zh": ("name_zh", "pk"),
    "-name_zh": ("-name_zh", "-pk"),
    "name_en": ("name_en", "pk"),
    "-name_en": ("-name_en", "-pk"),
    "founded": (F("founded").asc(nulls_last=True), "name_zh", "pk"),
    "-founded": (F("founded").desc(nulls_last=True), "name_zh", "pk"),
}
PERSON_ORDERINGS = {
    "name_zh": ("name_zh", "pk"),
    "-name_zh": ("-name_zh", "-pk"),
    "name_en": ("name_en", "pk"),
    "-name_en": ("-name_en", "-pk"),
}
# By the live version's date, each article in its reading order (landscape.selectors.CITED_ORDER).
QUOTE_ORDERINGS = {
    "-publish_at": CITED_ORDER,
    "publish_at": (f"{LIVE}publish_at", f"{LIVE}article_id", f"{LIVE}sequence", "pk"),
    "-featured": ("-featured", *CITED_ORDER),
}
FIGURE_ORDERINGS = {
    "chart_group": ("chart_group", "-value", "pk"),
    "value": ("value", "pk"),
    "-value": ("-value", "pk"),
    "as_of": (F("as_of").asc(nulls_last=True), "pk"),
    "-as_of": (F("as_of").desc(nulls_last=True), "pk"),
    "label": ("label", "pk"),
}

# Read from the models, so that the schema documents every value the database can hold.
Layer = Literal[tuple(Company.Layer.values)]
ProductKind = Literal[tuple(Product.Kind.values)]
IdPath = Path(..., ge=1, le=MAX_ID, description="The object's `id`, as lists give it.")


def _url(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


class CompanyRef(Schema):
    slug: str
    name_zh: ScriptText
    name_en: str
    url: str

    @staticmethod
    def resolve_url(obj: Company, context) -> str:
        return _url(context, obj.get_absolute_url())


class PersonRef(Schema):
    slug: str
    name_zh: ScriptText
    name_en: str
    url: str

    @staticmethod
    def resolve_url(obj: Person, context) -> str:
        return _url(context, obj.get_absolute_url())


class ArticleRef(Schema):
    slug: str
    title: ScriptText
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _url(context, obj.get_absolute_url())


class ProductRef(Schema):
    slug: str
    name: ScriptText
    kind: ProductKind
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _url(context, obj.get_absolute_url())


class ProductOut(ProductRef):
    summary: ScriptText


class CompanySummary(Schema):
    """A published company as lists show it."""

    slug: str
    name_zh: ScriptText
    name_en: str
    aliases: list[ScriptText] = Field(description="Names as articles write them, e.g. 阿里, 字節.")
    layer: Layer
    layer_label: ScriptText
    country: str = Field(description="ISO 3166-1 alpha-2 code, or empty.")
    founded: int | None
    website: str
    url: str

    @staticmethod
    def resolve_aliases(obj: Company) -> list[str]:
        return [alias.name for alias in obj.aliases.all()]

    @staticmethod
    def resolve_layer_label(obj: Company) -> str:
        return obj.get_layer_display()

    @staticmethod
    def resolve_url(obj: Company, context) -> str:
        return _url(context, obj.get_absolute_url())


class AffiliatedPerson(Schema):
    person: PersonRef
    role: ScriptText
    start_year: int | None
    end_year: int | None


class CompanyDetail(CompanySummary):
    summary: ScriptText
    logo: ImageOut | None = Field(description="The company's logo, square; null when it has none.")
    products: list[ProductOut]
    people: list[AffiliatedPerson] = Field(description="Published people with a role at the company.")

    @staticmethod
    def resolve_logo(obj: Company, context) -> dict | None:
        return image_out(context["request"], picture_document(obj.logo, "logo"))

    @staticmethod
    def resolve_products(obj: Company) -> list:
        return list(obj.products.all())

    @staticmethod
    def resolve_people(obj: Company) -> list:
        return obj.public_affiliations


class PersonSummary(Schema):
    """A published person as lists show them."""

    slug: str
    name_zh: ScriptText
    name_en: str
    aliases: list[ScriptText]
    url: str

    @staticmethod
    def resolve_aliases(obj: Person) -> list[str]:
        return [alias.name for alias in obj.aliases.all()]

    @staticmethod
    def resolve_url(obj: Person, context) -> str:
        return _url(context, obj.get_absolute_url())


class AffiliationOut(Schema):
    organisation: ScriptText = Field(
        description="The organisation's name: the published company's, or as the editor wrote it."
    )
    company: CompanyRef | None = Field(description="The published company, when the role was at one.")
    role: ScriptText
    start_year: int | None
    end_year: int | None = Field(description="Null while current.")

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.public_organisation_name

    @staticmethod
    def resolve_company(obj):
        return obj.public_company


class PersonDetail(PersonSummary):
    bio: ScriptText
    portrait: ImageOut | None = Field(description="The person's portrait, square; null when there is none.")
    affiliations: list[AffiliationOut]

    @staticmethod
    def resolve_portrait(obj: Person, context) -> dict | None:
        return image_out(context["request"], picture_document(obj.portrait, "portrait"))

    @staticmethod
    def resolve_affiliations(obj: Person) -> list:
        return list(obj.affiliations.all())


class CitedOut(Schema):
    """What every cited item shares: the live article and paragraph it comes from, and where to read it."""

    article: ArticleRef
    paragraph: str = Field(description="Anchor of the paragraph it comes from.")
    url: str = Field(description="The paragraph on the website.")

    # Read from the live paragraph the selectors join (`live`): what readers see.
    @staticmethod
    def resolve_article(obj):
        return obj.live.version

    @staticmethod
    def resolve_paragraph(obj) -> str:
        return obj.live.anchor

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _url(context, obj.live.get_absolute_url())


class QuoteOut(CitedOut):
    """Exact words someone said, cited to the paragraph that reports them."""

    id: int = Field(description="Stable for the life of the quote; use it with /quotes/{id}.")
    text: ScriptText
    speaker_name: ScriptText = Field(
        description="The published speaker's name, else the speaker as the article wrote them; may be empty."
    )
    speaker: PersonRef | None = Field(description="The speaker, when they have a published page.")
    speaker_role: ScriptText = Field(description="The speaker's role at the time.")
    occasion: ScriptText
    company: CompanyRef | None = Field(description="The published company the quote is about.")
    featured: bool

    @staticmethod
    def resolve_speaker_name(obj) -> str:
        return obj.public_attribution.name

    @staticmethod
    def resolve_speaker(obj):
        return obj.public_attribution.speaker

    @staticmethod
    def resolve_company(obj):
        return obj.public_attribution.company


class FigureOut(CitedOut):
    """A number the reporting relies on."""

    id: int = Field(description="Stable for the life of the figure; use it with /figures/{id}.")
    label: ScriptText
    chart_label: ScriptText = Field(description="The bar's short label in a chart; falls back to label.")
    value: float
    unit: ScriptText
    as_of: date | None = Field(description="The date the number describes.")
    chart_group: str = Field(description="Figures sharing a key are drawn together, e.g. app-store-ratings.")
    company: CompanyRef | None
    product: ProductRef | None

    @staticmethod
    def resolve_chart_label(obj) -> str:
        return obj.short_label

    @staticmethod
    def resolve_company(obj):
        return obj.public_company

    @staticmethod
    def resolve_product(obj):
        return obj.public_product


# The seed article, the example of every filter by article.
ARTICLE_EXAMPLE = "one-year-after-chatgpt-hundred-model-war"


class CompanyFilters(Schema):
    layer: Layer | None = Field(None, description="Only companies in this layer of the landscape.")
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code.", examples=["CN"]
    )
    q: QueryText | None = Field(
        None,
        description="Text in the Chinese or English name or an alias, in either script.",
        examples=["百川"],
    )
    ordering: ordering_type(COMPANY_ORDERINGS, "layer", LAYER_ORDER_NOTE) = "layer"
    variant: Variant | None = None


class PersonFilters(Schema):
    q: QueryText | None = Field(
        None, description="Text in a name or alias, in either script.", examples=["王"]
    )
    company: SlugFilter | None = Field(
        None, description="Only people with a role at this company.", examples=["baichuan"]
    )
    ordering: ordering_type(PERSON_ORDERINGS, "name_zh") = "name_zh"
    variant: Variant | None = None


class QuoteFilters(PublishedBetween):
    speaker: SlugFilter | None = Field(
        None, description="Slug of the person who spoke.", examples=["wang-xiaochuan"]
    )
    company: SlugFilter | None = Field(
        None, description="Slug of the company the quote is about.", examples=["baichuan"]
    )
    article: SlugFilter | None = Field(
        None, description="Slug of the article it comes from.", examples=[ARTICLE_EXAMPLE]
    )
    ordering: ordering_type(QUOTE_ORDERINGS, "-publish_at") = "-publish_at"
    variant: Variant | None = None


class FigureFilters(PublishedBetween):
    company: SlugFilter | None = Field(
        None, description="Company slug; includes its products' figures.", examples=["openai"]
    )
    product: SlugFilter | None = Field(None, description="Product slug.", examples=["chatgpt"])
    article: SlugFilter | None = Field(
        None, description="Slug of the article it comes from.", examples=[ARTICLE_EXAMPLE]
    )
    chart_group: SlugFilter | None = Field(
        None, description="Chart group key, e.g. app-store-ratings.", examples=["app-store-ratings"]
    )
    ordering: ordering_type(FIGURE_ORDERINGS, "chart_group") = "chart_group"
    variant: Variant | None = None


# What each list shows, for the front cache (`core.frontcache`): the lists of the records it names.
COMPANY_TAGS = (list_tag(Company), list_tag(Product))
PERSON_TAGS = (list_tag(Person), list_tag(Company))
# A quote or a figure is public while its article is published, and names the article it comes from.
QUOTE_TAGS = (list_tag(Quote), list_tag(Person), list_tag(Company), list_tag(Article))
FIGURE_TAGS = (list_tag(Figure), list_tag(Company), list_tag(Product), list_tag(Article))


@router.get("/companies", response={200: list[CompanySummary], **LIST_ERRORS}, summary="List companies")
@paginate(CursorPage)
def list_companies(request: HttpRequest, filters: Query[CompanyFilters]):
    """List published companies, by landscape layer then name unless `ordering` says otherwise."""
    cache_tags(request, *COMPANY_TAGS)
    companies = published_companies(layer=filters.layer, country=filters.country, q=filters.q)
    return order(companies, filters.ordering, COMPANY_ORDERINGS)


@router.get("/companies/{slug}", response={200: CompanyDetail, **DETAIL_ERRORS}, summary="Get a company")
def get_company(request: HttpRequest, slug: str = SlugPath, variant: Query[Variant | None] = None):
    """Return a published company with its aliases, products and people."""
    company = get_or_404(
        published_companies_in_full().prefetch_related(shown_image("logo")),
        f"No published company has the slug {slug!r}.",
        slug=slug,
    )
    # Its aliases, products and roles ban the company's tag; the people's names theirs.
    cache_tags(request, record_tag(company), list_tag(Person))
    return company


@router.get("/people", response={200: list[PersonSummary], **LIST_ERRORS}, summary="List people")
@paginate(CursorPage)
def list_people(request: HttpRequest, filters: Query[PersonFilters]):
    """List published people by name."""
    cache_tags(request, *PERSON_TAGS)
    people = published_people(q=filters.q, company=filters.company)
    return order(people, filters.ordering, PERSON_ORDERINGS)


@router.get("/people/{slug}", response={200: PersonDetail, **DETAIL_ERRORS}, summary="Get a person")
def get_person(request: HttpRequest, slug: str = SlugPath, variant: Query[Variant | None] = None):
    """Return a published person with their aliases and affiliations."""
    person = get_or_404(
        published_people_in_full().prefetch_related(shown_image("portrait")),
        f"No published person has the slug {slug!r}.",
        slug=slug,
    )
    cache_tags(request, record_tag(person), list_tag(Company))
    return person


@router.get("/quotes", response={200: list[QuoteOut], **LIST_ERRORS}, summary="List quotes")
@paginate(CursorPage)
def list_quotes(request: HttpRequest, filters: Query[QuoteFilters]):
    """List the quotes of published articles, newest article first, in reading order within one."""
    cache_tags(request, *QUOTE_TAGS)
    quotes = published_quotes(speaker=filters.speaker, company=filters.company, article=filters.article)
    quotes = quotes.filter(filters.published_within(f"{LIVE}publish_at"))
    return order(quotes, filters.ordering, QUOTE_ORDERINGS)


@router.get("/quotes/{id}", response={200: QuoteOut, **DETAIL_ERRORS}, summary="Get a quote")
def get_quote(request: HttpRequest, id: int = IdPath, variant: Query[Variant | None] = None):
    """Return one quote of a published article by its id."""
    quote = get_or_404(published_quotes(), f"No published quote has the id {id}.", pk=id)
    cache_tags(request, record_tag(quote), *QUOTE_TAGS)
    return quote


@router.get("/figures", response={200: list[FigureOut], **LIST_ERRORS}, summary="List figures")
@paginate(CursorPage)
def list_figures(request: HttpRequest, filters: Query[FigureFilters]):
    """List the figures of published articles, grouped by chart, biggest first."""
    cache_tags(request, *FIGURE_TAGS)
    figures = published_figures(
        company=filters.company,
        product=filters.product,
        article=filters.article,
        chart_group=filters.chart_group,
    )
    figures = figures.filter(filters.published_within(f"{LIVE}publish_at"))
    return order(figures, filters.ordering, FIGURE_ORDERINGS)


@router.get("/figures/{id}", response={200: FigureOut, **DETAIL_ERRORS}, summary="Get a figure")
def get_figure(request: HttpRequest, id: int = IdPath, variant: Query[Variant | None] = None):
    """Return one figure of a published article by its id."""
    figure = get_or_404(published_figures(), f"No published figure has the id {id}.", pk=id)
    cache_tags(request, record_tag(figure), *FIGURE_TAGS)
    return figure
