"""Addresses that last: pinyin slugs for Chinese titles; every address a public article had answers 301."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article, SlugRedirect
from articles.services import article_slug_from_title
from tests.admin_support import posted_form, recover
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "title,slug",
    [
        ("百模大戰一週年", "bai-mo-da-zhan-yi-zhou-nian"),
        ("OpenAI發布GPT-4o", "openai-fa-bu-gpt-4o"),
        ("長城汽車的重組", "chang-cheng-qi-che-de-chong-zu"),  # phrase readings: 長城 cháng, 重組 chóng
        ("!!!", ""),
    ],
)
def test_a_chinese_title_gives_a_pinyin_slug(title, slug):
    assert article_slug_from_title(title) == slug


def _retitle(client, article: Article, slug: str, *, publish: bool = True):
    """Change the slug in the change form and, for a public article, publish the change as an editor."""
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = posted_form(client.get(url))
    data["slug"] = slug
    response = client.post(url, data)
    if publish and response.status_code == 302 and article.status == Article.Status.PUBLISHED:
        opened = posted_form(client.get(url))
        step = reverse("admin:articles_article_workflow", args=[article.pk, "publish"])
        posted = {"_opened_state": opened["_opened_state"], "confirm": "yes"}
        assert client.post(step, posted).status_code == 302
    return response


def test_a_new_slug_is_the_address_only_once_published(editor_client):
    article = make_article("第一段。", title="百模大戰", slug="hundred-models")
    assert _retitle(editor_client, article, "bai-mo-da-zhan", publish=False).status_code == 302
    # Readers keep the live address until an editor publishes the change; the new one is not yet theirs.
    assert editor_client.get("/articles/hundred-models/").status_code == 200
    assert editor_client.get("/articles/bai-mo-da-zhan/").status_code == 404
    assert not SlugRedirect.objects.exists()
    # Nobody else may take the live address meanwhile.
    other = make_article("第二篇。", slug="other-article")
    response = _retitle(editor_client, other, "hundred-models", publish=False)
    assert response.status_code == 200 and "is the address readers have for" in response.content.decode()


def test_every_address_of_a_published_article_answers_301_to_the_current_one(editor_client):
    article = make_article("第一段。", title="百模大戰", slug="hundred-models")
    assert _retitle(editor_client, article, "bai-mo-da-zhan").status_code == 302
    assert _retitle(editor_client, article, "bai-mo-da-zhan-yi-zhou-nian").status_code == 302

    for old in ("hundred-models", "bai-mo-da-zhan"):
        response = editor_client.get(f"/articles/{old}/?variant=zh-hans")
        assert response.status_code == 301
        assert response["Location"] == "/articles/bai-mo-da-zhan-yi-zhou-nian/?variant=zh-hans"
        api = editor_client.get(f"/api/v1/articles/{old}")
        assert api.status_code == 301 and api["Location"] == "/api/v1/articles/bai-mo-da-zhan-yi-zhou-nian"
    assert editor_client.get("/articles/bai-mo-da-zhan-yi-zhou-nian/").status_code == 200
    assert sorted(SlugRedirect.objects.values_list("old_slug", flat=True)) == [
        "bai-mo-da-zhan",
        "hundred-models",
    ]

    # Going back to an old address makes it the article's own again.
    _retitle(editor_client, article, "hundred-models")
    assert editor_client.get("/articles/hundred-models/").status_code == 200
    assert "hundred-models" not in SlugRedirect.objects.values_list("old_slug", flat=True)


def test_a_draft_leaves_no_address_behind_and_an_unpublished_article_answers_none(editor_client):
    draft = make_article("第一段。", slug="draft-slug", status=Article.Status.DRAFT)
    _retitle(editor_client, draft, "draft-renamed")
    assert not SlugRedirect.objects.exists()

    article = make_article("第一段。", slug="was-here")
    _retitle(editor_client, article, "is-here")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.ARCHIVED)
    assert editor_client.get("/articles/was-here/").status_code == 404
    assert editor_client.get("/api/v1/articles/was-here").status_code == 404


def test_an_old_address_of_another_article_is_refused_with_words(editor_client):
    first = make_article("第一段。", slug="first-address")
    _retitle(editor_client, first, "first-renamed")
    second = make_article("第二篇。", slug="second-address")
    response = _retitle(editor_client, second, "first-address")
    assert response.status_code == 200
    assert (
        "was the address of" in response.content.decode()
        and "delete that slug redirect" in response.content.decode()
    )
    second.refresh_from_db()
    assert second.slug == "second-address"


def test_editors_list_and_edit_redirects_and_contributors_cannot(editor_client, contributor):
    article = make_article("第一段。", slug="listed-old")
    _retitle(editor_client, article, "listed-new")
    listing = editor_client.get(reverse("admin:articles_slugredirect_changelist"))
    assert listing.status_code == 200 and "listed-old" in listing.content.decode()
    redirect = SlugRedirect.objects.get()
    assert (
        editor_client.get(reverse("admin:articles_slugredirect_change", args=[redirect.pk])).status_code
        == 200
    )
    other = Client()
    other.force_login(contributor)
    assert other.get(reverse("admin:articles_slugredirect_changelist")).status_code == 403


def test_an_article_saved_without_a_slug_gets_one_from_its_title(editor_client):
    make_article("第一段。", slug="bai-mo-da-zhan")
    url = reverse("admin:articles_article_add")
    data = posted_form(editor_client.get(url))
    data.update(
        {"title": "百模大戰", "slug": "", "language": "zh-Hant", "status": "draft", "ingest_report": "{}"}
    )
    for prefix in ("sections",):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Article.objects.exclude(slug="bai-mo-da-zhan").get(title="百模大戰")
    assert created.slug.startswith("bai-mo-da-zhan-")  # the stem was taken: a unique one instead


def test_a_deleted_and_recovered_article_keeps_its_old_addresses(editor_client):
    article = make_article("第一段。", slug="before-delete")
    _retitle(editor_client, article, "after-rename")
    delete = reverse("admin:articles_article_delete", args=[article.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 302
    assert not SlugRedirect.objects.exists()
    recover(editor_client, Article, article.pk)
    assert SlugRedirect.objects.get().article_id == article.pk
    # A recovered article comes back as a draft; published again, its old address answers again.
    step = reverse("admin:articles_article_workflow", args=[article.pk, "publish"])
    assert editor_client.post(step, {"confirm": "yes"}).status_code == 302
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED
    assert editor_client.get("/articles/before-delete/")["Location"] == "/articles/after-rename/"
