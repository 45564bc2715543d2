from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Paragraph
from tests.factories import publish
from tests.images.support import make_image

pytestmark = pytest.mark.django_db


def test_article_page_shows_sections_and_linkable_paragraphs(client, article_factory):
    article = article_factory(title="百模大戰一週年", original_source="光錐智能", disclaimer="免責聲明")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hant">' in html
    assert "百模大戰一週年" in html
    assert "光錐智能" in html and "免責聲明" in html
    for paragraph in Paragraph.objects.filter(section__article=article):
        assert f'id="{paragraph.anchor}"' in html
    assert "第2節" in html
    assert 'href="#s-' in html  # the table of contents links to section headings


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_unpublished_article_is_404(client, article_factory, status):
    article = article_factory(status=status, publish_at=timezone.now() - timedelta(days=1))
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.title not in client.get(reverse("articles:list")).content.decode()
    assert article.title not in client.get(reverse("home")).content.decode()


def test_scheduled_article_becomes_public_at_its_time(client, article_factory):
    future = article_factory(status="scheduled", publish_at=timezone.now() + timedelta(hours=1))
    past = article_factory(status="scheduled", publish_at=timezone.now() - timedelta(minutes=1))
    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get(past.get_absolute_url()).status_code == 200
    assert set(Article.objects.published()) == {past}


def test_published_article_with_future_time_is_hidden(client, article_factory):
    article = article_factory(status="published", publish_at=timezone.now() + timedelta(days=1))
    assert client.get(article.get_absolute_url()).status_code == 404


def test_home_leads_with_newest_article(client, article_factory):
    article_factory(title="較舊的文章", publish_at=timezone.now() - timedelta(days=3))
    article_factory(title="最新的文章", publish_at=timezone.now() - timedelta(hours=1))
    html = client.get(reverse("home")).content.decode()
    assert html.index("最新的文章") < html.index("較舊的文章")
    assert 'id="lead-title"' in html and "最新的文章</a></h2>" in html


def test_article_list_lists_published_newest_first(client, article_factory):
    article_factory(title="甲", publish_at=timezone.now() - timedelta(days=2))
    article_factory(title="乙", publish_at=timezone.now() - timedelta(days=1))
    html = client.get(reverse("articles:list")).content.decode()
    assert html.index("乙") < html.index("甲")


@pytest.mark.parametrize("sections,paragraphs", [(1, 1), (4, 25)])
def test_article_page_query_count_is_constant(
    client, article_factory, django_assert_max_num_queries, django_assert_num_queries, sections, paragraphs
):
    article = article_factory(sections=sections, paragraphs=paragraphs)
    # The first request renders and stores the page: the lookup, the version, its fingerprint, its topics,
    # the charts and the store (notes and each kind of entity named add one each).
    with django_assert_max_num_queries(6):
        assert client.get(article.get_absolute_url()).status_code == 200
    # Every other is served as stored: the live version and its current page, in one query.
    with django_assert_num_queries(1):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_static_stylesheet_is_our_own(client, article_factory):
    article = article_factory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "/static/css/baimo.css" in html
    assert "cdn" not in html.lower()


def test_article_page_with_a_lead_image_and_image_paragraphs_costs_what_one_without_costs(
    client, article_factory, django_assert_num_queries, django_assert_max_num_queries
):
    plain = article_factory(sections=2, paragraphs=3)
    illustrated = article_factory(sections=2, paragraphs=3, status=Article.Status.DRAFT)
    illustrated.lead_image = make_image("lead.jpg", color=(120, 30, 30), alt_text="頭圖")
    for n, paragraph in enumerate(Paragraph.objects.filter(section__article=illustrated)):
        paragraph.kind = Paragraph.Kind.IMAGE
        paragraph.image = make_image(f"p{n}.jpg", color=(30, 30 + n, 120), alt_text=f"第{n}張")
        paragraph.save()
    illustrated.status, illustrated.publish_at = Article.Status.PUBLISHED, timezone.now()
    illustrated.save()
    publish(illustrated)
    for article in (plain, illustrated):
        # Rendered and stored: images and their renditions are two reads at most, however many.
        with django_assert_max_num_queries(8):
            assert client.get(article.get_absolute_url()).status_code == 200
        # Served as stored: one query, images or not.
        with django_assert_num_queries(1):
            response = client.get(article.get_absolute_url())
        assert response.status_code == 200
    assert response.content.decode().count("<picture>") == 7
