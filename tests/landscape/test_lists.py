"""The landscape's lists in numbered pages: quotes, figures, and what a company or person is cited in."""

import re

import pytest
from django.urls import reverse

from landscape.views import CITED_PER_PAGE, FIGURES_PER_PAGE, QUOTES_PER_PAGE
from tests.factories import (
    make_article,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
    paragraphs,
    publish,
    set_text,
)

pytestmark = pytest.mark.django_db

QUOTES = reverse("landscape:quote_list")
FIGURES = reverse("landscape:figure_list")
COMPANY = reverse("landscape:company_detail", kwargs={"slug": "baichuan"})
PERSON = reverse("landscape:person_detail", kwargs={"slug": "wang-xiaochuan"})


def build(n: int) -> dict:
    """Publish n paragraphs, up to 10 an article, quoting, counting and mentioning one company and person."""
    company = make_company(name_zh="百川智能", slug="baichuan")
    person = make_person(name_zh="王小川", slug="wang-xiaochuan")
    articles, made = [], 0
    while made < n:
        count = min(10, n - made)
        article = make_article(sections=1, paragraphs=count)
        for paragraph in paragraphs(article):
            set_text(paragraph, f"王小川說：“第{made}句。”百川智能。")
            make_quote(paragraph, text=f"第{made}句。", speaker=person, company=company)
            make_figure(paragraph, label=f"數字{made}", company=company, chart_group="growth")
            make_mention(paragraph, 0, 3, person=person)
            make_mention(paragraph, len(paragraph.text) - 5, len(paragraph.text) - 1, company=company)
            made += 1
        publish(article)
        articles.append(article)
    return {"company": company, "person": person, "articles": articles}


def html_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def quotes_in(html: str) -> list[str]:
    return re.findall(r"<blockquote[^>]*><p>「([^」]+)」</p></blockquote>", html)


def head_links(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="(prev|next|canonical)" href="([^"]+)">', html.split("</head>")[0]))


def test_the_quote_list_comes_in_pages_with_links_to_follow(client):
    build(QUOTES_PER_PAGE + 5)
    first, second = html_of(client, QUOTES), html_of(client, QUOTES, page=2)
    assert len(quotes_in(first)) == QUOTES_PER_PAGE and len(quotes_in(second)) == 5
    assert not set(quotes_in(first)) & set(quotes_in(second))
    assert head_links(first)["next"] == f"{QUOTES}?page=2" and "prev" not in head_links(first)
    assert head_links(second)["prev"] == QUOTES
    assert f'rel="next" href="{QUOTES}?page=2">下一頁</a>' in first
    assert client.get(QUOTES, {"page": 3}).status_code == 404
    assert client.get(QUOTES, {"page": "x"}).status_code == 404


def test_a_filtered_quote_list_pages_within_its_filter(client):
    build(QUOTES_PER_PAGE + 1)
    html = html_of(client, QUOTES, speaker="wang-xiaochuan")
    assert f'rel="next" href="{QUOTES}?speaker=wang-xiaochuan&amp;page=2"' in html
    assert head_links(html)["canonical"] == f"http://testserver{QUOTES}?speaker=wang-xiaochuan"


def test_the_quote_filter_never_lists_every_article(client):
    world = build(3)
    make_article(title="另一篇文章", sections=1, paragraphs=1)
    html = html_of(client, QUOTES)
    assert '<select name="article"' not in html and "另一篇文章" not in html
    # Each quote links to its article's quotes instead, by the live slug.
    slug = world["articles"][0].slug
    assert f'href="{QUOTES}?article={slug}"' in html

    narrowed = html_of(client, QUOTES, article=slug)
    title = world["articles"][0].title
    assert f"<title>引語：《{title}》 — 百模</title>" in narrowed
    assert f'<input type="hidden" name="article" value="{slug}"' in narrowed
    assert "（不限文章）" in narrowed and len(quotes_in(narrowed)) == 3


def test_an_article_filter_naming_no_live_article_is_a_clear_400(client):
    build(1)
    draft = make_article(status="draft", sections=1, paragraphs=1)
    response = client.get(QUOTES, {"article": draft.slug})
    assert response.status_code == 400 and "找不到這篇文章" in response.content.decode()


def test_a_company_page_numbers_its_cited_paragraphs(client):
    build(CITED_PER_PAGE + 3)
    first, second = html_of(client, COMPANY), html_of(client, COMPANY, page=2)
    cited = first.split('id="cited"')[1]
    assert cited.count('class="cited-text"') == CITED_PER_PAGE and "<mark>百川智能</mark>" in cited
    assert second.split('id="cited"')[1].count('class="cited-text"') == 3
    assert f'<ol class="cited-list" start="{CITED_PER_PAGE + 1}">' in second
    assert head_links(first) == {"canonical": f"http://testserver{COMPANY}", "next": f"{COMPANY}?page=2"}
    assert client.get(COMPANY, {"page": 3}).status_code == 404


def test_profiles_show_a_few_quotes_and_figures_and_link_to_the_rest(client):
    build(25)
    company, person = html_of(client, COMPANY), html_of(client, PERSON)
    assert len(quotes_in(company)) == 10 and len(quotes_in(person)) == 10
    assert f'href="{QUOTES}?company=baichuan">關於百川智能的全部引語</a>' in company
    assert f'href="{FIGURES}?company=baichuan">關於百川智能的全部數據</a>' in company
    assert company.count('<tr id="figure-') == 20
    assert f'href="{QUOTES}?speaker=wang-xiaochuan">王小川的全部引語</a>' in person
    assert len(quotes_in(html_of(client, QUOTES, company="baichuan", page=1))) == 25


def test_a_profile_with_few_quotes_has_no_link_to_more(client):
    build(3)
    assert "全部引語" not in html_of(client, COMPANY)


def test_the_figure_list_comes_in_pages_and_narrows_to_a_company(client):
    build(FIGURES_PER_PAGE + 2)
    other = make_company(name_zh="月之暗面", slug="moonshot")
    article = make_article(sections=1, paragraphs=1)
    make_figure(paragraphs(article)[0], label="月之暗面的數字", company=other)
    publish(article)

    first, second = html_of(client, FIGURES), html_of(client, FIGURES, page=2)
    assert first.count('<tr id="figure-') == FIGURES_PER_PAGE and second.count('<tr id="figure-') == 3
    assert '<figure class="chart"' in first and '<figure class="chart"' not in second
    assert head_links(second)["prev"] == FIGURES

    narrowed = html_of(client, FIGURES, company="moonshot")
    assert narrowed.count('<tr id="figure-') == 1 and "月之暗面的數字" in narrowed
    assert client.get(FIGURES, {"company": "no-such-company"}).status_code == 404
    assert client.get(FIGURES, {"page": 4}).status_code == 404


# Queries per page, pinned: the same with 3 rows as with 30.
# A quote list also lists the filter's choices: the speakers and the companies with public quotes.
PAGES = {
    # count, page, two choice lists
    "quotes": (QUOTES, 4),
    # the speaker, the company, count, page, two choice lists
    "quotes filtered": (f"{QUOTES}?speaker=wang-xiaochuan&company=baichuan", 6),
    # the live version named, count, page, two choice lists
    "quotes of an article": (None, 5),
    # count, page, every charted figure
    "figures": (FIGURES, 3),
    # company, products, aliases, affiliations, quotes, figures; cited: count, page, its mentions
    "company": (COMPANY, 9),
    # person, affiliations, aliases, quotes; cited: count, page, its mentions
    "person": (PERSON, 7),
}


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("name", PAGES)
def test_list_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, name, size):
    world = build(size)
    url, queries = PAGES[name]
    url = url or f"{QUOTES}?article={world['articles'][0].slug}"
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(quotes_in(html)) >= min(size, 3) or html.count('<tr id="figure-') == size
