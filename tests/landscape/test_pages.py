import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article, Paragraph
from landscape.models import Affiliation, Company, Figure, Mention, Person, Product
from landscape.selectors import company_profile, person_profile
from tests.factories import (
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
    set_text,
)

pytestmark = pytest.mark.django_db


def paragraphs_of(article):
    return list(Paragraph.objects.filter(section__article=article).order_by("section__position", "position"))


@pytest.fixture
def world(article_factory):
    """A published article and a draft one, each quoting, counting and mentioning the same company."""
    company = make_company(
        name_zh="百川智能", name_en="Baichuan AI", slug="baichuan", layer=Company.Layer.STARTUP
    )
    person = make_person(name_zh="王小川", name_en="Wang Xiaochuan", slug="wang-xiaochuan")
    Affiliation.objects.create(person=person, company=company, role="創始人、CEO", start_year=2023)
    Product.objects.create(name="百川大模型", slug="baichuan-model", company=company)
    public = article_factory(title="公開文章", slug="public-article", sections=1, paragraphs=2)
    draft = article_factory(
        title="草稿文章", slug="draft-article", status=Article.Status.DRAFT, sections=1, paragraphs=1
    )
    p1, p2 = paragraphs_of(public)
    set_text(p1, "王小川說：“理想上慢一步，落地上快三步。”百川智能創始人。")
    set_text(p2, "以美區蘋果商店為例，ChatGPT有47萬個評分；Pi有1336個評價。")
    (d1,) = paragraphs_of(draft)
    set_text(d1, "百川智能的秘密計劃：“草稿裡的話。”")

    make_quote(
        paragraph=p1, text="理想上慢一步，落地上快三步。", speaker=person, company=company, speaker_role="CEO"
    )
    make_quote(paragraph=d1, text="草稿裡的話。", speaker=person, company=company)
    make_figure(
        paragraph=p2,
        label="ChatGPT評分數",
        chart_label="ChatGPT",
        value=470000,
        chart_group="app-store-ratings",
        company=company,
    )
    make_figure(paragraph=p2, label="Pi評分數", chart_label="Pi", value=1336, chart_group="app-store-ratings")
    make_figure(paragraph=d1, label="草稿數字", value=999, company=company)
    make_mention(paragraph=p1, start=0, end=3, person=person)
    make_mention(paragraph=p1, start=20, end=24, company=company)
    make_mention(paragraph=d1, start=0, end=4, company=company)
    return {"company": company, "person": person, "public": public, "draft": draft, "p1": p1}


def grow(article_factory, world, n):
    """Add n more companies, people, quotes, figures and mentions on a new published article.

    The new rows also reach the world's company and person pages, and every other figure is about a
    product, so each way a page names a company or person from a related row grows with the data.
    """
    article = article_factory(sections=1, paragraphs=n)
    for i, paragraph in enumerate(paragraphs_of(article)):
        company = make_company(layer=list(Company.Layer)[i % len(Company.Layer)])
        person = make_person()
        Affiliation.objects.create(person=person, company=company, role="研究員")
        Affiliation.objects.create(person=world["person"], company=company, role="顧問", start_year=2000 + i)
        set_text(paragraph, f"{company.name_zh}與{person.name_zh}說“第{i}句話”。")
        about = company if i % 2 else world["company"]
        make_quote(paragraph=paragraph, text=f"第{i}句話", speaker=person, company=about)
        if i % 2:
            make_figure(paragraph=paragraph, company=company, chart_group="growth")
        else:
            product = Product.objects.create(name=f"產品{i}", slug=f"{company.slug}-product", company=about)
            make_figure(paragraph=paragraph, product=product, chart_group="growth")
        make_mention(paragraph=paragraph, start=0, end=len(company.name_zh), company=company)
        make_mention(
            paragraph=paragraph,
            start=len(company.name_zh) + 1,
            end=len(company.name_zh) + 1 + len(person.name_zh),
            person=person,
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code in (200, 400)
    return len(ctx)


PAGES = [
    ("landscape", reverse("landscape:landscape")),
    ("company", reverse("landscape:company_detail", kwargs={"slug": "baichuan"})),
    ("person", reverse("landscape:person_detail", kwargs={"slug": "wang-xiaochuan"})),
    ("quotes", reverse("landscape:quote_list")),
    ("quotes filtered", reverse("landscape:quote_list") + "?speaker=wang-xiaochuan&company=baichuan"),
    ("figures", reverse("landscape:figure_list")),
]

# Pinned per page; a change means a page started running queries in a loop or lost a prefetch.
MAX_QUERIES = {
    "landscape": 1,
    "company": 7,
    "person": 5,
    "quotes": 5,
    "quotes filtered": 7,
    # The figures' count, their page, and every charted figure for the charts.
    "figures": 3,
}


@pytest.mark.parametrize(("name", "url"), PAGES)
def test_each_page_runs_a_fixed_number_of_queries_whatever_the_data(
    client, world, article_factory, django_assert_max_num_queries, name, url
):
    small = count_queries(client, url)
    grow(article_factory, world, 12)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200
    assert count_queries(client, url) == small


def test_landscape_draws_layers_in_the_articles_order(client, world):
    make_company(name_zh="清華大學", layer=Company.Layer.RESEARCH)
    make_company(name_zh="騰訊", layer=Company.Layer.PLATFORM)
    make_company(name_zh="OpenAI", layer=Company.Layer.OVERSEAS)
    make_company(name_zh="隱藏公司", layer=Company.Layer.STARTUP, published=False)

    html = client.get(reverse("landscape:landscape")).content.decode()

    assert html.index("百川智能") < html.index("騰訊") < html.index("清華大學") < html.index("OpenAI")
    assert 'href="/companies/baichuan/"' in html
    assert "隱藏公司" not in html


def test_company_page_shows_profile_and_cites_paragraphs(client, world):
    response = client.get("/companies/baichuan/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "百川大模型" in html and "王小川" in html
    assert "理想上慢一步，落地上快三步。" in html
    assert "47萬個" in html
    assert f'href="/articles/public-article/#{world["p1"].anchor}"' in html
    assert "草稿" not in html  # neither the draft's quote, its figure, nor its mention


def test_unpublished_company_and_person_are_404(client, world):
    Company.objects.filter(slug="baichuan").update(published=False)
    world["person"].published = False
    world["person"].save()

    assert client.get("/companies/baichuan/").status_code == 404
    assert client.get("/people/wang-xiaochuan/").status_code == 404
    assert client.get("/companies/no-such-company/").status_code == 404


def test_profiles_return_none_for_what_readers_may_not_see(world):
    assert company_profile(slug="baichuan")["company"] == world["company"]
    assert person_profile(slug="wang-xiaochuan")["person"] == world["person"]
    Company.objects.filter(slug="baichuan").update(published=False)
    Person.objects.filter(slug="wang-xiaochuan").update(published=False)

    assert company_profile(slug="baichuan") is None
    assert person_profile(slug="wang-xiaochuan") is None
    assert company_profile(slug="no-such-company") is None


def test_unpublished_entities_are_not_linked_from_public_pages(client, world):
    world["person"].published = False
    world["person"].save()

    html = client.get("/quotes/").content.decode()

    # The quote stays; its unpublished speaker is neither linked nor named (see test_unpublished_names).
    assert "理想上慢一步" in html and "王小川" not in html
    assert "/people/wang-xiaochuan/" not in html


def test_person_page_lists_roles_quotes_and_mentions(client, world):
    html = client.get("/people/wang-xiaochuan/").content.decode()

    assert "創始人、CEO" in html and 'href="/companies/baichuan/"' in html
    assert "理想上慢一步" in html
    assert f"/articles/public-article/#{world['p1'].anchor}" in html
    assert "草稿裡的話" not in html


def test_suggested_and_rejected_mentions_stay_off_pages(client, world):
    Mention.objects.update(status=Mention.Status.SUGGESTED)
    html = client.get("/companies/baichuan/").content.decode()
    assert "報道中提及" not in html


def test_quotes_cite_their_paragraph_and_hide_drafts(client, world):
    html = client.get("/quotes/").content.decode()

    assert "理想上慢一步" in html
    assert f'href="/articles/public-article/#{world["p1"].anchor}"' in html
    assert "草稿裡的話" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?speaker=wang-xiaochuan", True),
        ("?company=baichuan", True),
        ("?article=public-article", True),
    ],
)
def test_quotes_filter_by_speaker_company_and_article(client, world, query, expected):
    response = client.get("/quotes/" + query)
    assert response.status_code == 200
    assert ("理想上慢一步" in response.content.decode()) is expected


def test_quotes_filter_narrows_the_list(client, world, article_factory):
    grow(article_factory, world, 3)
    html = client.get("/quotes/?speaker=wang-xiaochuan").content.decode()
    assert "理想上慢一步" in html and "第0句話" not in html


@pytest.mark.parametrize(
    "query", ["?speaker=nobody", "?company=%3Cscript%3E", "?article=draft-article", "?speaker=1%27%20OR%201"]
)
def test_a_wrong_filter_gets_a_clear_message_not_an_error(client, world, query):
    response = client.get("/quotes/" + query)
    html = response.content.decode()

    assert response.status_code == 400
    assert 'role="alert"' in html and "找不到" in html
    assert "<script>" not in html
    assert "理想上慢一步" not in html


def test_figures_page_draws_the_chart_and_hides_drafts(client, world):
    html = client.get("/figures/").content.decode()

    assert '<svg class="bar-chart"' in html and 'role="img"' in html
    assert "47萬個" in html and "1336個" in html
    assert "美區蘋果商店評分數" in html
    assert "草稿數字" not in html


def test_figures_from_a_draft_article_never_appear(client, world):
    Figure.objects.exclude(paragraph__section__article=world["draft"]).delete()
    html = client.get("/figures/").content.decode()
    assert "暫無數據" in html


def test_company_page_titles_once_and_names_the_country(client, world):
    make_company(
        name_zh="OpenAI", name_en="OpenAI", slug="openai", layer=Company.Layer.OVERSEAS, country="US"
    )
    html = client.get("/companies/openai/").content.decode()
    assert "<title>OpenAI — 百模</title>" in html
    assert '<meta property="og:title" content="OpenAI">' in html
    assert "<dd>美國</dd>" in html
    html = client.get("/companies/baichuan/").content.decode()
    assert "<title>百川智能 Baichuan AI — 百模</title>" in html and "<dd>中國</dd>" in html


def test_a_filtered_quote_list_says_whose_quotes_in_its_title(client, world):
    html = client.get("/quotes/?speaker=wang-xiaochuan").content.decode()
    assert "<title>引語：王小川 — 百模</title>" in html
    assert "<title>引語 — 百模</title>" in client.get("/quotes/").content.decode()


def test_a_figures_date_sits_under_its_value(client, world):
    Figure.objects.filter(label="Pi評分數").update(as_of="2023-10-01")
    html = client.get("/figures/").content.decode()
    row = html.split("Pi評分數")[1].split("</tr>")[0]
    assert '<data value="1336">1336個</data><br><time class="as-of" datetime="2023-10-01">' in row
