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
