"""The /search page: form, grouped results, states, hostile input and a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import make_article, make_company, make_person, make_quote, paragraphs

pytestmark = pytest.mark.django_db

URL = reverse("search:page")


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_url_is_slash_search():
    assert URL == "/search"


def test_empty_page_offers_a_labelled_search_form(client):
    html = get(client)
    assert '<form class="search-form" role="search" method="get" action="/search">' in html
    assert '<label for="search-q">' in html
    assert re.search(r'<input type="search" id="search-q" name="q" value=""', html)
    assert '<button class="button" type="submit">搜尋</button>' in html
    # The site navigation marks the search page as current, once.
    assert html.count('<a href="/search" aria-current="page">搜尋</a>') == 1
    assert "search-hits" not in html


def test_results_are_grouped_by_type_and_paragraphs_link_to_their_anchor(client, seed_article):
    make_company("百川智能", "Baichuan AI", aliases=["百川"])
    html = get(client, q="百川")
    companies = html.index('<h2 id="results-company">公司</h2>')
    assert companies < html.index('<h2 id="results-paragraph">段落</h2>')
    for anchor in ("p-23", "p-31"):
        assert f'<a href="{seed_article.get_absolute_url()}#{anchor}">' in html
    assert "<mark>百川</mark>" in html
    assert "共有 3 項結果" in html
    assert "公司（1）" in html and "段落（2）" in html


def test_simplified_query_finds_traditional_paragraph_on_the_page(client, seed_article):
    html = get(client, q="算力")
    assert html.count('class="search-hit search-hit-paragraph"') == 5
    simplified = get(client, q="商汤")
    assert simplified.count('class="search-hit search-hit-paragraph"') == 2
    assert "<mark>商湯</mark>" in simplified


def test_type_filter_keeps_only_that_type(client, seed_article):
    make_company("算力公司", summary="算力")
    html = get(client, q="算力", type="company")
    assert "search-hit-company" in html and "search-hit-paragraph" not in html
    assert 'name="type" value="company"' in html
    assert "段落（5）" in html  # the other facets still show what they hold


def test_no_results_state(client, seed_article):
    html = get(client, q="量子計算機")
    assert "找不到「量子計算機」的結果" in html
    assert "search-hits" not in html


def test_query_without_words_explains_itself(client, seed_article):
    assert "請輸入中文、英文字母或數字" in get(client, q="？！")


def test_unpublished_content_never_shows(client):
    draft = make_article("草稿的晶片消息。", status=Article.Status.DRAFT, title="草稿文章")
    make_company("晶片秘密公司", published=False)
    make_person("晶片專家", published=False)
    make_quote(paragraphs(draft)[0], "草稿的晶片消息。", make_person("發言人"))
    html = get(client, q="晶片")
    assert "找不到「晶片」的結果" in html
    for hidden in ("草稿文章", "草稿的晶片消息", "晶片秘密公司", "晶片專家", "發言人"):
        assert hidden not in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": "'\"%_*"},
        {"q": 'NEAR(算力, 3) AND "x'},
        {"q": "算力" * 500},
        {"q": "\x00算力"},
        {"q": "<script>alert(1)</script>"},
        {"q": "算力", "type": "bogus"},
        {"q": "算力", "page": "abc"},
        {"q": "算力", "page": "-3"},
        {"q": "算力", "page": "99999999999999999999"},
        {"q": ["算力", "OpenAI"]},
    ],
)
def test_hostile_input_never_breaks_the_page(client, params):
    make_article("算力與OpenAI。")
    html = get(client, **params)
    assert "<script>alert" not in html


def test_too_long_query_says_it_was_cut(client):
    assert "查詢太長" in get(client, q="算力" * 100)


def test_pages_link_to_each_other(client):
    make_article(*[f"第{n}段說算力。" for n in range(45)])
    first = get(client, q="算力")
    assert 'rel="next" href="?q=%E7%AE%97%E5%8A%9B&amp;page=2"' in first and 'rel="prev"' not in first
    third = get(client, q="算力", page="3")
    assert 'rel="prev"' in third and 'rel="next"' not in third
    assert third.count("search-hit-paragraph") == 5
    assert "這一頁沒有結果了" in get(client, q="算力", page="9")


@pytest.mark.parametrize("size", [2, 40])
def test_query_count_is_constant(client, django_assert_max_num_queries, size):
    article = make_article(*[f"第{n}段：王小川談算力。" for n in range(size)])
    speaker = make_person("王小川")
    make_company("算力科技", aliases=["算力公司"])
    for paragraph in paragraphs(article)[: size // 2]:
        make_quote(paragraph, paragraph.text, speaker)
    pages = []
    for page in ("1", "2"):
        with django_assert_max_num_queries(2):
            pages.append(get(client, q="算力", page=page))
    html = "".join(pages)
    assert "search-hit-company" in html and "search-hit-quote" in html and "search-hit-paragraph" in html


def test_page_links_and_head_links_for_a_reader_to_follow(client):
    make_article(*[f"第{n}段說算力。" for n in range(130)])
    html = get(client, q="算力", page="4")
    assert '<link rel="prev" href="?q=%E7%AE%97%E5%8A%9B&amp;page=3">' in html
    assert '<link rel="next" href="?q=%E7%AE%97%E5%8A%9B&amp;page=5">' in html
    numbers = re.findall(r'aria-label="第 (\d+) 頁"', html)
    assert numbers == ["1", "2", "3", "4", "5", "6", "7"]
    assert 'aria-label="第 4 頁" aria-current="page">4</a>' in html
    last = get(client, q="算力", page="7")
    assert 'rel="next"' not in last and last.count("search-hit-paragraph") == 10


def test_a_type_filter_stays_in_every_page_link(client):
    make_article(*[f"第{n}段說算力。" for n in range(45)])
    html = get(client, q="算力", type="paragraph", page="2")
    assert 'href="?q=%E7%AE%97%E5%8A%9B&amp;type=paragraph&amp;page=3"' in html


def test_a_word_found_beyond_what_search_ranks_says_so(client, monkeypatch):
    monkeypatch.setattr("search.selectors.MAX_RANKED", 5)
    monkeypatch.setattr("search.views.MAX_RANKED", 5)
    make_article(*[f"第{n}段說算力。" for n in range(8)])
    html = get(client, q="算力")
    assert "「算力」的結果超過 5 項" in html and "每一類只排列最新的 5 項" in html
    assert "段落（5+）" in html
    assert html.count("search-hit-paragraph") == 5
    exact = get(client, q="第1段")
    assert "共有 1 項結果" in exact and "每一類只排列" not in exact and "段落（1）" in exact


def test_the_front_cache_may_keep_the_page_and_drops_it_with_search(client):
    make_article("第一段說算力。")
    for params in ({}, {"q": "算力"}, {"q": "算力", "page": "2"}):
        response = client.get(URL, params)
        assert response["Cache-Tags"] == "search"
        assert "s-maxage" in response["Cache-Control"] and "public" in response["Cache-Control"]
