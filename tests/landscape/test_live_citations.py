"""Landscape pages and API cite what readers see: the live version's title, slug, paragraphs and mentions.

Each test makes an unpublished change to an article's working copy (a new title and slug, a deleted
paragraph, a new paragraph with a quote, a new mention), checks that no landscape surface shows it, then
publishes and checks that every one does.
"""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from articles.models import Paragraph
from landscape.models import LiveMention, LiveParagraph, Mention
from landscape.services import mention_set_status
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

COMPANY = reverse("landscape:company_detail", kwargs={"slug": "baichuan"})
PERSON = reverse("landscape:person_detail", kwargs={"slug": "wang-xiaochuan"})
QUOTES = reverse("landscape:quote_list")
FIGURES = reverse("landscape:figure_list")
HTML_SURFACES = [COMPANY, PERSON, QUOTES, FIGURES, reverse("home")]
API_SURFACES = ["/api/v1/quotes", "/api/v1/figures"]


@pytest.fixture
def story():
    """A published article quoting, counting and mentioning a company and its founder, as published."""
    company = make_company(name_zh="百川智能", slug="baichuan")
    person = make_person(name_zh="王小川", slug="wang-xiaochuan")
    article = make_article(title="舊標題", slug="old-title", sections=1, paragraphs=2)
    first, second = paragraphs(article)
    set_text(first, "王小川說：“理想上慢一步。”百川智能創始人。")
    set_text(second, "百川智能的大模型有47萬個評分。")
    make_quote(first, text="理想上慢一步。", speaker=person, company=company, featured=True)
    make_figure(
        second, label="評分數", value=470000, company=company, chart_group="ratings", chart_label="百川"
    )
    make_mention(first, 0, 3, person=person)
    make_mention(second, 0, 4, company=company)
    publish(article)
    return {"article": article, "first": first, "second": second, "company": company, "person": person}


def served(client) -> str:
    """Return every landscape surface as one text: the pages and the API's lists."""
    bodies = []
    for url in HTML_SURFACES + API_SURFACES:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    return "\n".join(bodies)


def test_the_story_is_cited_as_published(client, story):
    text = served(client)
    anchor = story["first"].anchor
    assert f'/articles/old-title/#{anchor}"' in text and "《舊標題》" in text
    assert '"slug": "old-title"' in client.get("/api/v1/quotes").content.decode().replace('":"', '": "')
    assert "理想上慢一步。" in text and "47萬個" in text


def test_a_retitled_working_copy_is_cited_only_once_published(client, story):
    article = story["article"]
    article.title = "新標題"
    article.slug = "new-title"
    article.save()

    text = served(client)
    assert "新標題" not in text and "new-title" not in text
    assert "《舊標題》" in text and "/articles/old-title/#" in text
    quote = client.get("/api/v1/quotes").json()["items"][0]
    assert quote["article"] == {
        "slug": "old-title",
        "title": "舊標題",
        "url": "http://testserver/articles/old-title/",
    }
    assert client.get("/api/v1/quotes", {"article": "new-title"}).json()["items"] == []
    assert client.get(QUOTES, {"article": "new-title"}).status_code == 400

    publish(article)
    text = served(client)
    assert "舊標題" not in text and "/articles/old-title/" not in text
    assert "《新標題》" in text and f"/articles/new-title/#{story['first'].anchor}" in text
    assert client.get("/api/v1/quotes", {"article": "new-title"}).json()["items"]
    assert "理想上慢一步。" in client.get(QUOTES, {"article": "new-title"}).content.decode()


def test_a_deleted_paragraph_stays_cited_until_the_deletion_is_published(client, story):
    Paragraph.objects.get(pk=story["second"].pk).delete()  # its figure goes with it; its mention waits

    company_page = client.get(COMPANY).content.decode()
    assert "<mark>百川智能</mark>的大模型有47萬個評分。" in company_page
    assert f"/articles/old-title/#{story['second'].anchor}" in company_page

    publish(story["article"])
    company_page = client.get(COMPANY).content.decode()
    assert "47萬個評分" not in company_page and story["second"].anchor not in company_page


def test_a_quote_on_a_paragraph_not_yet_published_links_nowhere_until_it_is(client, story):
    section = story["first"].section
    added = Paragraph.objects.create(section=section, position=5, text="王小川又說：“新的一句。”")
    make_quote(added, text="新的一句。", speaker=story["person"], company=story["company"], featured=True)
    make_figure(added, label="新數字", value=5, company=story["company"])

    text = served(client)
    assert "新的一句。" not in text and "新數字" not in text and added.anchor not in text
    assert all(item["paragraph"] != added.anchor for item in client.get("/api/v1/quotes").json()["items"])

    publish(story["article"])
    text = served(client)
    assert "新的一句。" in text and "新數字" in text and f"/articles/old-title/#{added.anchor}" in text


def test_a_new_mention_is_cited_only_once_published(client, story):
    make_mention(story["first"], 11, 15, company=story["company"])  # 百川智能 in the first paragraph

    assert story["first"].anchor not in client.get(COMPANY).content.decode().split('id="cited"')[1]
    publish(story["article"])
    cited = client.get(COMPANY).content.decode().split('id="cited"')[1]
    assert f"/articles/old-title/#{story['first'].anchor}" in cited
    assert "<mark>百川智能</mark>" in cited


def test_a_working_copy_edit_leaves_the_cited_text_as_published(client, story):
    set_text(story["second"], "改寫過但未發佈：百川智能。")
    page = client.get(COMPANY).content.decode()
    assert "改寫過但未發佈" not in page and "<mark>百川</mark>" not in page
    assert "<mark>百川智能</mark>的大模型有47萬個評分。" in page


def test_a_rejected_mention_leaves_the_cited_list_at_once(client, story, editor):
    mention = Mention.objects.get(company=story["company"])
    mention_set_status(mention=mention, status=Mention.Status.REJECTED, user=editor)
    assert 'id="cited"' not in client.get(COMPANY).content.decode()
    assert not LiveMention.objects.filter(mention_id=mention.pk).exists()


def test_an_unpublished_article_is_cited_nowhere(client, story):
    article = story["article"]
    article.status = "draft"
    article.save(update_fields=["status"])
    text = served(client)
    assert "理想上慢一步。" not in text and "47萬個" not in text and "old-title" not in text


def test_the_charts_cite_the_live_title(client, story):
    article = story["article"]
    article.title = "新標題"
    article.save()
    chart = client.get(FIGURES).content.decode().split('<figure class="chart"')[1].split("</figure>")[0]
    assert "資料來源：" in chart and "《舊標題》" in chart and "新標題" not in chart


def test_publishing_rewrites_the_article_rows_and_nothing_else(story):
    other = make_article(sections=1, paragraphs=3)
    before = set(LiveParagraph.objects.filter(article=other).values_list("pk", "version_id"))
    assert len(before) == 3
    publish(story["article"])
    assert set(LiveParagraph.objects.filter(article=other).values_list("pk", "version_id")) == before
    version = story["article"].live_version
    rows = LiveParagraph.objects.filter(article=story["article"]).order_by("sequence")
    assert [(row.pk, row.anchor, row.version_id) for row in rows] == [
        (story["first"].pk, story["first"].anchor, version.pk),
        (story["second"].pk, story["second"].anchor, version.pk),
    ]


def test_the_migration_cites_every_live_version_as_publishing_would(story, editor):
    mention = Mention.objects.get(company=story["company"])
    mention_set_status(mention=mention, status=Mention.Status.REJECTED, user=editor)  # withdrawn since
    make_article(status="draft", sections=1, paragraphs=2)
    rows = sorted(
        LiveParagraph.objects.values_list("pk", "article_id", "version_id", "sequence", "anchor", "text")
    )
    mentions = sorted(
        LiveMention.objects.values_list("paragraph_id", "mention_id", "company_id", "person_id")
    )
    LiveParagraph.objects.all().delete()

    migration = importlib.import_module("landscape.migrations.0004_live_citations")
    migration.cite_live_versions(apps, None)

    assert (
        sorted(
            LiveParagraph.objects.values_list("pk", "article_id", "version_id", "sequence", "anchor", "text")
        )
        == rows
    )
    assert (
        sorted(LiveMention.objects.values_list("paragraph_id", "mention_id", "company_id", "person_id"))
        == mentions
    )
    assert [m[1] for m in mentions] == [Mention.objects.get(person=story["person"]).pk]
