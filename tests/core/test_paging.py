"""Numbered pages count at most a cap of rows, and say when a list holds more."""

import pytest
from django.test import RequestFactory

from articles.models import Article
from core import paging
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_a_list_beyond_the_cap_is_counted_to_the_cap_and_says_so(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    for n in range(7):
        make_article(slug=f"paged-{n}", sections=1, paragraphs=1)
    request = RequestFactory().get("/articles/", {"page": "2"})
    page = paging.page_or_404(request, Article.objects.order_by("pk"), per_page=2)
    assert (page.paginator.count, page.paginator.count_is_exact, page.paginator.num_pages) == (5, False, 3)
    with pytest.raises(paging.Http404):
        paging.page_or_404(
            RequestFactory().get("/articles/", {"page": "4"}), Article.objects.all(), per_page=2
        )


def test_a_list_within_the_cap_is_counted_exactly(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    for n in range(5):
        make_article(slug=f"exact-{n}", sections=1, paragraphs=1)
    page = paging.page_or_404(RequestFactory().get("/articles/"), Article.objects.order_by("pk"), per_page=2)
    assert (page.paginator.count, page.paginator.count_is_exact) == (5, True)


def test_the_list_page_says_more_than_the_cap(client, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 2)
    for n in range(3):
        make_article(slug=f"shown-{n}", sections=1, paragraphs=1)
    assert "共 2+ 篇" in client.get("/articles/").content.decode()


# Numbered pages reach NUMBERED_ROWS; past them "older" and "newer" links seek by a cursor.


def page_at(address: str, items=None, *, per_page: int = 2):
    items = Article.objects.order_by("pk") if items is None else items
    return paging.page_or_404(RequestFactory().get(address), items, per_page=per_page)


def ids(page) -> list[int]:
    return [article.pk for article in page.object_list]


@pytest.fixture
def seven(monkeypatch):
    """Seven articles in pages of two, numbered up to the fourth row: pages 1 and 2, then cursors."""
    monkeypatch.setattr(paging, "NUMBERED_ROWS", 4)
    return [make_article(slug=f"row-{n}", sections=1, paragraphs=1).pk for n in range(7)]


def test_numbered_pages_stop_at_the_bound_and_the_last_links_on_by_cursor(seven):
    last_numbered = page_at("/articles/?page=2")
    assert (last_numbered.number, last_numbered.paginator.num_pages) == (2, 2)
    assert last_numbered.paginator.continues and [link.number for link in last_numbered.links] == [1, 2]
    assert "after=" in last_numbered.next_url and "page=" not in last_numbered.next_url
    with pytest.raises(paging.Http404, match=r"numbered 1 to 2.*next"):
        page_at("/articles/?page=3")


def test_following_next_walks_every_row_once_and_previous_walks_back(seven):
    page, walked, addresses = page_at("/articles/"), [], []
    while True:
        walked += ids(page)
        if not page.has_next():
            break
        addresses.append(page.next_url)
        page = page_at(page.next_url)
    assert walked == seven
    assert page.number is None and page.start_index() is None  # the last page is a cursor's
    back = []
    while page.has_previous():
        page = page_at(page.previous_url)
        back.append(ids(page))
    # Back to the first page, numbered again, through the cursor pages the walk went through.
    assert back[-1] == seven[:2] and page.number == 1 and not page.has_previous()
    assert [row for rows in reversed(back) for row in rows] == seven[: len(back) * 2]


def test_a_cursor_page_names_itself_and_the_first_page(seven):
    deep = page_at(page_at("/articles/?page=2").next_url)
    assert ids(deep) == seven[4:6]
    assert deep.canonical_url.startswith("/articles/?after=")
    assert deep.first_url == "/articles/"
    assert (deep.paginator.count, deep.paginator.count_is_exact) == (7, True)


def test_a_cursor_keeps_its_place_when_rows_are_added_before_it(seven):
    following = page_at("/articles/?page=2").next_url
    make_article(slug="newer-row", sections=1, paragraphs=1)  # sorts last by pk: after the cursor's rows
    newest_first = Article.objects.order_by("-pk")
    address = page_at("/articles/?page=2", newest_first).next_url
    make_article(slug="newest-row", sections=1, paragraphs=1)  # sorts first: before the cursor
    assert ids(page_at(following)) == seven[4:6]
    assert ids(page_at(address, newest_first)) == list(reversed(seven))[3:5]


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "before=",
        "after=eyJsaXN0IjoiL2FydGljbGVzLyJ9:1abc:signature",
        "page=2&after={cursor}",
        "after={cursor}&before={cursor}",
    ],
)
def test_a_cursor_this_list_did_not_give_is_a_404(seven, query):
    cursor = page_at("/articles/?page=2").next_url.split("after=")[1]
    with pytest.raises(paging.Http404):
        page_at(f"/articles/?{query.format(cursor=cursor)}")


def test_a_cursor_serves_only_its_own_list_and_ordering(seven):
    cursor = page_at("/articles/?page=2").next_url.split("after=")[1]
    with pytest.raises(paging.Http404, match="another list"):
        page_at(f"/quotes/?after={cursor}")
    with pytest.raises(paging.Http404, match="another list"):
        page_at(f"/articles/?after={cursor}", Article.objects.order_by("-pk"))


def test_a_cursor_page_seeks_instead_of_counting_its_way_there(seven):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    following = page_at("/articles/?page=2").next_url
    with CaptureQueriesContext(connection) as deep:
        page = page_at(following)
        page.paginator.count  # noqa: B018 -- what the template shows, counted as the page is served
    with CaptureQueriesContext(connection) as first:
        page = page_at("/articles/")
        page.paginator.count  # noqa: B018
    assert len(deep) == len(first) == 2  # the capped count and the page
    page_query = [query["sql"] for query in deep.captured_queries if "COUNT(" not in query["sql"].upper()]
    assert page_query and not any("OFFSET" in sql.upper() for sql in page_query)


def test_a_short_list_within_the_bound_has_no_cursor_links(monkeypatch):
    for n in range(3):
        make_article(slug=f"short-{n}", sections=1, paragraphs=1)
    last = page_at("/articles/?page=2")
    assert (last.number, last.has_next(), last.paginator.continues) == (2, False, False)
