"""Stored renders: every article page and API document served as stored is what a fresh render gives.

An article with everything a page reads live (a public note, mentions of a company and a person, a topic, a
chart) is read in every reader's choice, so each is stored; then one change is made, and every surface
served from the store must equal a fresh render of the same request (`READER_STORED_RENDERS` off, the
renderer of previews), and be served from the store again right after, in one query.
"""

from datetime import timedelta

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Annotation, Article, ArticleVersion, Paragraph, Topic
from articles.workflow import article_publish, article_return_to_draft, article_schedule
from images.services import renditions_make
from landscape.models import Mention
from landscape.services import company_unpublish, mention_set_status, person_unpublish
from reader import rendered, views
from reader.models import StoredRender
from tests.admin_support import posted_form
from tests.factories import (
    make_annotation,
    make_article,
    make_company,
    make_figure,
    make_mention,
    make_person,
)
from tests.images.support import make_image

pytestmark = pytest.mark.django_db

TEXTS = (
    "甲辰智能的創始人乙巳說：大模型的算力不夠。",
    "ChatGPT有47萬個評分；Pi有1336個評價。",
    "（圖源：美區蘋果商店截圖）",
)
# Every reader's choice of each surface: the page's script and pinyin, the document's script.
PAGE_CHOICES = ({}, {"variant": "zh-hans"}, {"pinyin": "1"}, {"variant": "zh-hans", "pinyin": "1"})
API_CHOICES = ({}, {"variant": "zh-hans"}, {"variant": "zh-hant"})


class Story:
    """The article and everything its pages read live, made and published as an editor would."""

    def __init__(self, editor):
        self.editor = editor
        # The topic's first revision holds another name, for a restore to bring back.
        with reversion.create_revision():
            self.topic = Topic.objects.create(name="語言模型", slug="llm")
        with reversion.create_revision():
            self.topic.name = "大模型"
            self.topic.save()
        self.article = make_article(
            *TEXTS, title="百模大戰一週年", summary="算力不夠", status=Article.Status.DRAFT
        )
        self.article.topics.add(self.topic)
        first, numbers, caption = Paragraph.objects.filter(section__article=self.article).order_by("position")
        caption.kind = Paragraph.Kind.IMAGE
        # The screenshot the caption names, and a lead photo: what each shows is read live.
        self.screenshot = make_image("screenshot.png", fmt="PNG", size=(96, 64), color=(20, 90, 200))
        self.screenshot.alt_text = "App Store 評分截圖"
        self.screenshot.save()
        caption.image = self.screenshot
        caption.save()
        self.lead = make_image("lead.jpg", size=(160, 90), color=(200, 120, 20), alt_text="發佈會現場")
        self.article.lead_image = self.lead
        self.article.save()
        self.company = make_company("甲辰智能", slug="jiachen")
        self.person = make_person("乙巳", slug="yisi")
        self.company_mention = make_mention(first, 0, 4, company=self.company)
        self.person_mention = make_mention(first, 8, 10, person=self.person)
        self.note = make_annotation(first, 12, 15, body="**算力**：訓練所需的計算。")
        self.correction = make_annotation(first, 16, 18, kind=Annotation.Kind.CORRECTION, body="已更正。")
        self.first, self.numbers = first, numbers
        self.figure = make_figure(
            numbers, chart_label="ChatGPT", value=470000, chart_group="app-store-ratings"
        )
        make_figure(numbers, chart_label="Pi", value=1336, chart_group="app-store-ratings")
        article_publish(article=self.article, user=editor)

    def urls(self) -> list[tuple[str, dict]]:
        slug = ArticleVersion.objects.filter(article=self.article).order_by("-number").first().slug
        page, api = f"/articles/{slug}/", f"/api/v1/articles/{slug}"
        return [(page, params) for params in PAGE_CHOICES] + [(api, params) for params in API_CHOICES]


@pytest.fixture
def story(editor):
    return Story(editor)


def read(urls) -> dict:
    """Return what an anonymous reader gets at each URL and choice: status, content type and body."""
    reader = Client()
    found = {}
    for url, params in urls:
        response = reader.get(url, params)
        found[url, tuple(params.items())] = (
            response.status_code,
            response.get("Content-Type"),
            response.content,
        )
    return found


def fresh(settings, urls) -> dict:
    settings.READER_STORED_RENDERS = False
    try:
        return read(urls)
    finally:
        settings.READER_STORED_RENDERS = True


def assert_served_as_stored(urls, django_assert_num_queries) -> None:
    reader = Client()
    for url, params in urls:
        with django_assert_num_queries(1):
            assert reader.get(url, params).status_code == 200


def test_every_choice_is_stored_once_and_served_byte_for_byte(story, settings, django_assert_num_queries):
    urls = story.urls()
    stored = read(urls)
    assert StoredRender.objects.filter(version=story.article.live_version).count() == len(urls)
    assert stored == fresh(settings, urls)
    assert_served_as_stored(urls, django_assert_num_queries)
    assert read(urls) == stored
    page = stored[urls[1][0], (("variant", "zh-hans"),)][2].decode()
    assert "百模大战一周年" in page and '<html lang="zh-Hans">' in page
    assert 'href="/companies/jiachen/?variant=zh-hans"' in page and "<svg" in page and "算力" in page


def test_an_article_with_a_chinese_address_is_stored_and_served_the_same(settings, django_assert_num_queries):
    article = make_article("百川智能發布了新模型。", slug="百模大戰一週年")
    reader = Client()
    urls = [(article.get_absolute_url(), {}), (article.get_absolute_url(), {"variant": "zh-hans"})]
    urls.append((reverse("api-v1:get_article", kwargs={"slug": article.slug}), {"variant": "zh-hans"}))
    stored = read(urls)
    assert {status for status, _, _ in stored.values()} == {200}
    assert stored == fresh(settings, urls)
    assert_served_as_stored(urls, django_assert_num_queries)
    assert reader.get(urls[0][0]).content == stored[urls[0][0], ()][2]


def _internal(story):
    story.note.visibility = Annotation.Visibility.INTERNAL
    story.note.save()


def _rejected(story):
    mention_set_status(mention=story.company_mention, status=Mention.Status.REJECTED, user=story.editor)


def _company_moved(story):
    story.company.slug = "jiachen-ai"
    story.company.save()


def _topic_renamed(story):
    with reversion.create_revision():
        story.topic.name = "大型語言模型"
        story.topic.save()


def _figure_edited(story):
    story.figure.value = 520000
    story.figure.save()


def _figure_added(story):
    make_figure(story.numbers, chart_label="Claude", value=8800, chart_group="app-store-ratings")


def _figure_moved_off_the_chart(story):
    story.figure.chart_group = ""
    story.figure.save()


def _published_again(story):
    story.article.title = "百模大戰兩週年"
    story.article.save()
    article_publish(article=story.article, user=story.editor)


def _unpublished(story):
    article_return_to_draft(article=story.article, user=story.editor)


def _scheduled(story):
    article_return_to_draft(article=story.article, user=story.editor)
    story.article.refresh_from_db()
    article_schedule(article=story.article, user=story.editor, publish_at=timezone.now() + timedelta(days=1))


def _alt_text_changed(story):
    story.screenshot.alt_text = "美區 App Store 的評分截圖"
    story.screenshot.save()


def _alt_text_removed(story):
    # An image without alt text is never shown: the caption stands alone again.
    story.lead.alt_text = ""
    story.lead.save()


def _credit_changed(story):
    story.lead.credit = "新華社"
    story.lead.save()


def _focal_point_moved(story):
    story.lead.focal_x, story.lead.focal_y = 0.9, 0.2
    story.lead.save()
    renditions_make(story.lead)


def _renditions_deleted(story):
    story.screenshot.renditions.all().delete()


def _topic_restored(story):
    first = reversion.models.Version.objects.get_for_object(story.topic).order_by("pk").first()
    editor = Client()
    editor.force_login(story.editor)
    url = reverse("admin:articles_topic_revision", args=[story.topic.pk, first.pk])
    response = editor.post(url, posted_form(editor.get(url)))
    assert response.status_code == 302
    story.topic.refresh_from_db()
    assert story.topic.name == "語言模型"


# Each change that alters what readers see without a new publish, and those that publish or unpublish.
CHANGES = {
    "a public note made internal": _internal,
    "a public note deleted": lambda story: story.note.delete(),
    "a mention rejected": _rejected,
    "a mention deleted": lambda story: story.person_mention.delete(),
    "a company unpublished": lambda story: company_unpublish(company=story.company, user=story.editor),
    "a person unpublished": lambda story: person_unpublish(person=story.person, user=story.editor),
    "a company's slug changed": _company_moved,
    "a topic renamed": _topic_renamed,
    "a charted figure edited": _figure_edited,
    "a figure added to the chart": _figure_added,
    "a figure taken off the chart": _figure_moved_off_the_chart,
    "a figure deleted": lambda story: story.figure.delete(),
    "a publish": _published_again,
    "an unpublish": _unpublished,
    "a schedule": _scheduled,
    "a restore": _topic_restored,
    "an image's alt text changed": _alt_text_changed,
    "an image's alt text removed": _alt_text_removed,
    "an image's credit changed": _credit_changed,
    "an image's focal point moved and its renditions made again": _focal_point_moved,
    "an image's renditions deleted": _renditions_deleted,
}


@pytest.mark.parametrize("change", CHANGES)
def test_after_every_kind_of_change_the_store_serves_a_fresh_render(
    story, settings, django_assert_num_queries, change
):
    before = read(story.urls())
    CHANGES[change](story)
    urls = story.urls()
    after = read(urls)
    assert after == fresh(settings, urls)
    assert after != before  # the change shows: a stale render could not pass
    if all(status == 200 for status, _, _ in after.values()):
        assert_served_as_stored(urls, django_assert_num_queries)
    else:
        assert {status for status, _, _ in after.values()} == {404}


def _renamed(story):
    story.company.name_zh = "甲辰人工智能"
    story.company.summary = "一家做大模型的公司。"
    story.company.save()


def _working_copy_edited(story):
    story.note.body = "改過的註釋，尚未發佈。"
    story.note.save()
    make_annotation(story.first, 0, 2, visibility=Annotation.Visibility.INTERNAL)
    story.first.text = TEXTS[0] + "新的一句。"
    story.first.save()


def _uncharted_figure(story):
    make_figure(story.first, label="算力缺口", value=3, unit="成")


def _image_put_in_working_copy(story):
    story.article.lead_image = make_image(color=(9, 9, 9), alt_text="新的頭圖")
    story.article.save()


# Changes readers do not see until a publish: names are frozen in the version, the working copy waits.
UNSEEN = {
    "a company renamed": _renamed,
    "the working copy edited": _working_copy_edited,
    "a figure with no chart added": _uncharted_figure,
    "a topic created": lambda story: Topic.objects.create(name="算力", slug="compute"),
    "an image no version shows edited": lambda story: make_image(color=(1, 2, 3), alt_text="另一張"),
    "a new image put in the working copy": _image_put_in_working_copy,
}


@pytest.mark.parametrize("change", UNSEEN)
def test_a_change_readers_do_not_see_keeps_every_stored_render(
    story, settings, django_assert_num_queries, change
):
    urls = story.urls()
    before = read(urls)
    stored = dict(StoredRender.objects.values_list("pk", "rendered_at"))
    UNSEEN[change](story)
    assert_served_as_stored(urls, django_assert_num_queries)
    assert dict(StoredRender.objects.values_list("pk", "rendered_at")) == stored
    assert read(urls) == before == fresh(settings, urls)


def test_a_render_that_read_the_data_before_a_change_is_never_served(story, settings):
    version = ArticleVersion.objects.get(live_for=story.article)
    choice = rendered.Choice(rendered.Surface.PAGE, "zh-hant")
    page_url = story.urls()[0]

    def unpublish_while_rendering(request):
        html = views.render_article(request, views.published_article(version)).content.decode()
        # The writer commits after this render read the company as published, before it is stored.
        company_unpublish(company=story.company, user=story.editor)
        return html

    rendered.render_stored(
        version, choice, unpublish_while_rendering, path=page_url[0], query={}, slots=views.PAGE_SLOTS
    )
    served = read([page_url])
    assert served == fresh(settings, [page_url])
    assert b'href="/companies/jiachen/"' not in served[page_url[0], ()][2]


def test_publishing_stores_the_page_and_document_once_it_commits(
    editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        story = Story(editor)
    stored = StoredRender.objects.filter(version=story.article.live_version)
    assert set(stored.values_list("surface", "variant", "pinyin")) == {
        ("page", "zh-hant", False),
        ("api", "", False),
    }
    page, document = story.urls()[0], story.urls()[len(PAGE_CHOICES)]
    assert_served_as_stored([page, document], django_assert_num_queries)


def test_publishing_retires_what_was_stored_for_the_version_before(story):
    read(story.urls())
    old = story.article.live_version_id
    _published_again(story)
    assert not StoredRender.objects.filter(version_id=old).exists()


def test_a_render_of_another_build_is_rendered_again(story, monkeypatch):
    urls = story.urls()
    before = read(urls)
    monkeypatch.setattr(rendered, "renderer_build", lambda: "another-build")
    assert read(urls) == before
    assert set(StoredRender.objects.values_list("build", flat=True)) == {"another-build"}


def test_a_stored_page_is_not_converted_again_on_its_way_out(story, monkeypatch):
    url = story.urls()[1]
    read([url])

    def refuse(text, variant):
        raise AssertionError("a stored page was converted again")

    monkeypatch.setattr("reader.preferences.convert", refuse)
    page = read([url])[url[0], (("variant", "zh-hans"),)]
    assert page[0] == 200 and "百模大战一周年" in page[2].decode()


def test_previews_are_never_stored_nor_served_from_the_store(story, editor_client):
    read(story.urls())
    stored = dict(StoredRender.objects.values_list("pk", "rendered_at"))
    story.article.title = "百模大戰：尚未發佈的標題"
    story.article.save()
    version = story.article.live_version
    for url in (
        reverse("preview_article", args=[story.article.pk]),
        reverse("preview_version", args=[story.article.pk, version.number]),
    ):
        html = editor_client.get(url, {"variant": "zh-hans"}).content.decode()
        assert "preview-banner" in html and 'content="noindex, nofollow"' in html
    assert dict(StoredRender.objects.values_list("pk", "rendered_at")) == stored


def test_a_stored_text_keeps_its_placeholders_and_each_request_gets_its_own_values(story):
    page_url, params = story.urls()[0]
    first = {
        host: Client().get(page_url, params, HTTP_HOST=host).content for host in ("testserver", "localhost")
    }
    row = StoredRender.objects.get(version=story.article.live_version, surface="page", variant="zh-hant")
    stored = rendered.Stored.unpack(f"{row.head}\n{row.text}")
    assert set(stored.placeholders) == {"origin", "next"}
    assert all(placeholder in row.text for placeholder in stored.placeholders.values())
    assert f"article-{story.article.pk}" in stored.tags
    for host, body in first.items():
        assert b"stored-" not in body and f"http://{host}/".encode() in body
    assert first["testserver"] != first["localhost"]


def test_the_documents_etag_follows_what_was_filled_in_and_what_was_stored(story):
    url = story.urls()[len(PAGE_CHOICES)][0]
    reader = Client()
    here, again, there = (
        reader.get(url, HTTP_HOST=host) for host in ("testserver", "testserver", "localhost")
    )
    assert here["ETag"] == again["ETag"] != there["ETag"]
    assert reader.get(url, HTTP_IF_NONE_MATCH=here["ETag"]).status_code == 304
    _published_again(story)
    changed = reader.get(url, HTTP_IF_NONE_MATCH=here["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != here["ETag"]


def test_the_same_text_rendered_again_keeps_its_etag(story, monkeypatch):
    url = story.urls()[len(PAGE_CHOICES)][0]
    first = Client().get(url)["ETag"]
    monkeypatch.setattr(rendered, "renderer_build", lambda: "another-build")
    assert Client().get(url)["ETag"] == first
    assert StoredRender.objects.filter(build="another-build", surface="api").count() == 1
