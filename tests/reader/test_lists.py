"""The reader's lists of articles: numbered pages, links to follow, live versions only, fixed queries."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Topic
from tests.factories import make_article, publish

pytestmark = pytest.mark.django_db

LIST = reverse("articles:list")


def make_articles(n: int, **fields) -> list:
    """Create n published articles, the first the newest."""
    now = timezone.now()
    return [
        make_article(
            title=f"第{i}篇", publish_at=now - timedelta(minutes=i), sections=1, paragraphs=1, **fields
        )
        for i in range(n)
    ]


def html_of(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def titles_in(html: str) -> list[str]:
    return re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', html)


def head_links(html: str) -> dict[str, str]:
    head = html.split("</head>")[0]
    return dict(re.findall(r'<link rel="(prev|next|canonical)" href="([^"]+)">', head))


def test_the_article_list_comes_in_pages_of_twenty_newest_first(client):
    articles = make_articles(45)
    pages = [titles_in(html_of(client, LIST, page=n)) for n in (1, 2, 3)]
    assert [len(titles) for titles in pages] == [20, 20, 5]
    assert [title for titles in pages for title in titles] == [article.title for article in articles]
    assert titles_in(html_of(client, LIST)) == pages[0]


def test_pages_link_to_each_other_for_readers_and_in_the_head(client):
    make_articles(45)
    first, middle, last = (html_of(client, LIST, page=n) for n in (1, 2, 3))

    assert head_links(first) == {"canonical": f"http://testserver{LIST}", "next": f"{LIST}?page=2"}
    assert head_links(middle) == {
        "canonical": f"http://testserver{LIST}?page=2",
        "prev": LIST,
        "next": f"{LIST}?page=3",
    }
    assert head_links(last) == {"canonical": f"http://testserver{LIST}?page=3", "prev": f"{LIST}?page=2"}

    pager = middle.split('<nav class="pager" aria-label="分頁">')[1].split("</nav>")[0]
    assert f'<a class="pager-step" rel="prev" href="{LIST}">上一頁</a>' in pager
    assert f'<a class="pager-step" rel="next" href="{LIST}?page=3">下一頁</a>' in pager
    assert f'href="{LIST}?page=2" aria-current="page"' in pager
    assert "第 2／3 頁" in pager
    assert "（第 2 頁）" in middle.split("</title>")[0]


def test_a_long_list_leaves_out_the_page_numbers_far_from_the_reader(client):
    make_articles(20 * 12)
    pager = html_of(client, LIST, page=6).split('aria-label="分頁">')[1].split("</nav>")[0]
    numbers = re.findall(r'aria-label="第 (\d+) 頁', pager)
    assert numbers == ["1", "4", "5", "6", "7", "8", "12"]
    assert pager.count('class="pager-gap"') == 2


def test_page_links_keep_the_other_parameters(client):
    make_articles(25)
    html = html_of(client, LIST, variant="zh-hans")
    assert f'rel="next" href="{LIST}?variant=zh-hans&amp;page=2"' in html
    # The canonical address names the list and the script, not the other parameters.
    canonical = head_links(html_of(client, LIST, variant="zh-hans", page=2, utm="x"))["canonical"]
    assert canonical.endswith("?page=2&amp;variant=zh-hans")


def test_a_short_list_has_no_pager(client):
    make_articles(3)
    html = html_of(client, LIST)
    assert 'class="pager"' not in html and 'rel="next"' not in html


@pytest.mark.parametrize("number", ["3", "0", "-1", "abc", "1.5", "99999999999999999999"])
def test_a_page_the_list_does_not_have_is_a_404(client, number):
    make_articles(25)
    response = client.get(LIST, {"page": number})
    assert response.status_code == 404
    assert "找不到這一頁" in response.content.decode()


def test_an_empty_list_is_one_page_that_says_so(client):
    assert "還沒有已發佈的文章" in html_of(client, LIST)
    assert client.get(LIST, {"page": 2}).status_code == 404


def test_lists_show_the_live_title_until_an_edit_is_published(client):
    (article,) = make_articles(1)
    article.title = "改過但未發佈的標題"
    article.slug = "renamed-unpublished"
    article.save()
    for url in (LIST, reverse("home")):
        html = html_of(client, url)
        assert "第0篇" in html and "改過但未發佈的標題" not in html and "renamed-unpublished" not in html
    publish(article)
    for url in (LIST, reverse("home")):
        html = html_of(client, url)
        assert "改過但未發佈的標題" in html and 'href="/articles/renamed-unpublished/"' in html


def test_a_topic_page_lists_its_published_articles_in_pages(client):
    topic = Topic.objects.create(name="算力", slug="compute")
    other = Topic.objects.create(name="融資", slug="funding")
    tagged = make_articles(23)
    for article in tagged:
        article.topics.add(topic)
        publish(article)  # topics are part of what a version freezes
    untagged = make_article(title="別的主題", sections=1, paragraphs=1)
    untagged.topics.add(other)
    publish(untagged)
    draft = make_article(title="草稿", status="draft", sections=1, paragraphs=1)
    draft.topics.add(topic)

    url = reverse("topic", kwargs={"slug": "compute"})
    first = html_of(client, url)
    assert "<h1>算力</h1>" in first and "<title>主題：算力 — 百模</title>" in first
    assert titles_in(first) == [article.title for article in tagged[:20]]
    assert titles_in(html_of(client, url, page=2)) == [article.title for article in tagged[20:]]
    assert head_links(first)["next"] == f"{url}?page=2"
    assert "別的主題" not in first and "草稿" not in first
    assert client.get(url, {"page": 3}).status_code == 404


def test_a_topic_is_listed_as_its_articles_were_published(client):
    topic = Topic.objects.create(name="算力", slug="compute")
    (article,) = make_articles(1)
    article.topics.add(topic)  # not published yet: readers do not see the article under it
    url = reverse("topic", kwargs={"slug": "compute"})
    assert titles_in(html_of(client, url)) == []
    publish(article)
    assert titles_in(html_of(client, url)) == [article.title]


def test_an_unknown_topic_is_a_404(client):
    assert client.get(reverse("topic", kwargs={"slug": "no-such-topic"})).status_code == 404


def test_a_topic_with_a_chinese_slug_has_a_page(client):
    Topic.objects.create(name="百模大戰", slug="百模大戰")
    assert client.get("/topics/%E7%99%BE%E6%A8%A1%E5%A4%A7%E6%88%B0/").status_code == 200


# Queries per page, pinned: the same with 3 articles as with 30.
PAGES = {
    # count, page, topics prefetch
    "list": (LIST, 3),
    "list, page 2": (f"{LIST}?page=2", 3),
    # topic, count, page, topics prefetch
    "topic": ("/topics/compute/", 4),
    # articles, topics prefetch, featured quotes, landscape layers
    "home": (reverse("home"), 4),
}


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("name", PAGES)
def test_list_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, name, size):
    topic = Topic.objects.create(name="算力", slug="compute")
    for article in make_articles(size + 20):  # a second page on both sizes
        article.topics.add(topic)
        publish(article)
    url, queries = PAGES[name]
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


# Past the numbered pages (core.paging.NUMBERED_ROWS), each page links to the next and back by a cursor.


def test_past_the_numbered_pages_next_links_lead_on_to_the_oldest_article(client, monkeypatch):
    from core import paging

    monkeypatch.setattr(paging, "NUMBERED_ROWS", 40)
    articles = make_articles(65)
    second = html_of(client, LIST, page=2)
    assert "第 2／2+ 頁" in second and "共 65 篇" in second
    assert client.get(LIST, {"page": 3}).status_code == 404

    seen, address, pages = titles_in(html_of(client, LIST)), head_links(html_of(client, LIST))["next"], []
    while address:
        html = html_of(client, address.replace("&amp;", "&"))
        pages.append((address, html))
        seen += titles_in(html)
        address = head_links(html).get("next")
    assert seen == [article.title for article in articles]
    address, deep = pages[-1]
    assert "?after=" in address and "（續頁）" in deep.split("</title>")[0]
    assert head_links(deep)["canonical"] == f"http://testserver{address}"
    assert f'<a class="pager-first" href="{LIST}">回到第 1 頁</a>' in deep
    assert "第 2／" not in deep and "共 65 篇" in deep

    # And back: "previous" from the oldest page leads through the cursor pages to the first page.
    back, address = [], head_links(deep)["prev"]
    while address:
        html = html_of(client, address.replace("&amp;", "&"))
        back.append(titles_in(html))
        address = head_links(html).get("prev")
    assert back[-1] == [article.title for article in articles[:20]]
    assert [title for titles in reversed(back) for title in titles] == seen[:60]


def test_cursor_links_keep_the_readers_script(client, monkeypatch):
    from core import paging

    monkeypatch.setattr(paging, "NUMBERED_ROWS", 20)
    make_articles(45)
    following = head_links(html_of(client, LIST, variant="zh-hans"))["next"].replace("&amp;", "&")
    assert "variant=zh-hans" in following and "after=" in following
    assert "variant=zh-hans" in head_links(html_of(client, following))["next"]


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("name", ["list", "topic"])
def test_a_page_reached_by_a_cursor_runs_as_many_queries_as_the_first(
    client, django_assert_num_queries, monkeypatch, name, size
):
    from core import paging

    monkeypatch.setattr(paging, "NUMBERED_ROWS", 20)
    topic = Topic.objects.create(name="算力", slug="compute")
    for article in make_articles(size + 20):
        article.topics.add(topic)
        publish(article)
    url = PAGES[name][0]
    following = head_links(html_of(client, url))["next"].replace("&amp;", "&")
    assert "after=" in following
    with django_assert_num_queries(PAGES[name][1]):
        response = client.get(following)
    assert response.status_code == 200
