"""A newsroom on one live article: working copies, review of changes, previews, share links, dates."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from reversion.models import Version

from articles import workflow
from articles.checks import prepublish_findings
from articles.models import Annotation, Article, ChangeReview
from articles.previews import PreviewLinkError, preview_link_token, preview_link_version
from core.versioning import recorded_revision
from tests.admin_support import posted_form
from tests.factories import (
    first_paragraph,
    make_annotation,
    make_article,
    make_company,
    make_mention,
    set_text,
)

pytestmark = pytest.mark.django_db


def page(client, article) -> str:
    response = client.get(Article.objects.get(pk=article.pk).live_version.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_contributors_edits_and_new_public_note_wait_for_an_editor(contributor, editor):
    article = make_article("原來的段落。", title="原來的標題")
    readers = Client()
    paragraph = first_paragraph(article)
    set_text(paragraph, "投稿者改過的段落。")
    make_annotation(paragraph, 0, 3, body="投稿者的公開註釋")
    html = page(readers, article)
    assert "原來的段落" in html and "投稿者改過" not in html and "投稿者的公開註釋" not in html
    assert readers.get(f"/api/v1/articles/{article.slug}").json()["sections"][0]["paragraphs"][0]["text"] == (
        "原來的段落。"
    )
    assert Article.objects.get(pk=article.pk).has_unpublished_changes

    with pytest.raises(PermissionDenied):
        workflow.article_publish(article=article, user=contributor)
    review = workflow.article_submit_changes(article=article, user=contributor, message="改了第一段")
    assert ChangeReview.objects.awaiting().get() == review
    workflow.article_publish(article=article, user=editor)
    html = page(readers, article)
    assert "改過的段落" in html and "投稿者的公開註釋" in html  # the note marks 投稿者
    review.refresh_from_db()
    assert review.decision == ChangeReview.Decision.APPROVED and review.decided_by == editor
    comments = [v.revision.comment for v in Version.objects.get_for_object(article)]
    assert comments[0] == "Published changes submitted by contributor-user"
    assert "Changes submitted for review" in comments


def test_an_editor_sends_changes_back_with_a_comment_and_readers_keep_the_live_text(
    contributor_client, contributor, editor
):
    article = make_article("原來的段落。")
    set_text(first_paragraph(article), "待審的段落。")
    workflow.article_submit_changes(article=article, user=contributor)
    with pytest.raises(PermissionDenied):
        workflow.article_return_changes(article=article, user=contributor, comment="不行")
    workflow.article_return_changes(article=article, user=editor, comment="請補上來源")
    assert not ChangeReview.objects.awaiting().exists()
    assert "原來的段落" in page(Client(), article)
    change = contributor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert "請補上來源" in change and "Live, with unpublished changes" in change
    assert Version.objects.get_for_object(article).first().revision.comment == "Changes sent back: 請補上來源"
    assert ChangeReview.objects.get().comment == "請補上來源"


def test_the_changes_view_diffs_the_working_copy_against_the_live_version(editor_client):
    article = make_article("原來的段落。", title="原來的標題")
    company = make_company("月之暗面")
    paragraph = first_paragraph(article)
    set_text(paragraph, "月之暗面改過的段落。")
    make_mention(paragraph, 0, 4, company=company)
    make_annotation(paragraph, 0, 4, body="新的公開註釋")
    article.title = "新的標題"
    article.save()
    html = editor_client.get(reverse("admin:articles_article_changes", args=[article.pk])).content.decode()
    assert "<del>原來</del>" in html and "<ins>新</ins>" in html  # the title
    assert "<ins>月之暗面改過</ins>" in html or "<ins>月之暗面改過的</ins>" in html
    assert "新的公開註釋" in html and "月之暗面</li>" not in html and "added: “月之暗面” → 月之暗面" in html
    listing = editor_client.get(reverse("admin:articles_article_changelist"), {"live": "changes"})
    assert (
        "新的標題" in listing.content.decode()
        and "live, with unpublished changes" in listing.content.decode()
    )


def test_the_pre_publish_check_asks_and_records_publishing_anyway(editor_client, editor):
    article = make_article("第一段。", status=Article.Status.DRAFT, summary="")
    make_annotation(
        first_paragraph(article), 0, 2, kind=Annotation.Kind.INGEST_WARNING, visibility="internal"
    )
    make_annotation(first_paragraph(article), 0, 2, body="讀者註釋")  # public: not a to-do
    findings = {finding.code for finding in prepublish_findings(article)}
    assert findings == {"ingest-warnings", "no-summary"}

    change = reverse("admin:articles_article_change", args=[article.pk])
    step = reverse("admin:articles_article_workflow", args=[article.pk, "publish"])
    asked = editor_client.post(step)
    assert asked.status_code == 200 and "1 open ingest warning" in asked.content.decode()
    assert Article.objects.get(pk=article.pk).live_version is None  # nothing published yet
    assert editor_client.post(step, {"confirm": "yes"}).status_code == 302
    assert Article.objects.get(pk=article.pk).is_public
    comment = Version.objects.get_for_object(article).first().revision.comment
    assert (
        comment
        == "Published, despite: 1 open ingest warning; no summary: lists, feeds and search engines show none"
    )
    listing = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert change in listing


def test_the_open_count_counts_to_dos_not_reader_notes(editor_client):
    article = make_article("第一段。")
    paragraph = first_paragraph(article)
    make_annotation(paragraph, 0, 2, body="讀者註釋")
    make_annotation(paragraph, 0, 2, visibility="internal", body="待核實")
    listing = editor_client.get(reverse("admin:articles_article_changelist"))
    (row,) = listing.context["cl"].result_list
    assert row.open_total == 1


def test_previews_render_the_working_copy_privately_and_never_index(editor_client):
    article = make_article("原來的段落。")
    set_text(first_paragraph(article), "預覽中的段落。")
    response = editor_client.get(reverse("preview_article", args=[article.pk]), {"variant": "zh-hans"})
    html = response.content.decode()
    assert response.status_code == 200 and "预览中的段落" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow" and '<meta name="robots" content="noindex' in html
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    version = reverse("preview_version", args=[article.pk, 1])
    assert "原來的段落" in editor_client.get(version).content.decode()
    # Readers and crawlers cannot open an editor's preview.
    anonymous = Client().get(reverse("preview_article", args=[article.pk]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert "Disallow: /preview/" in Client().get("/robots.txt").content.decode()


def test_a_share_link_works_until_it_expires_and_not_when_tampered_with(editor_client):
    article = make_article("原來的段落。")
    set_text(first_paragraph(article), "給外部審閱者的段落。")
    response = editor_client.post(reverse("admin:articles_article_share", args=[article.pk]), {"hours": "2"})
    assert response.status_code == 302
    (message,) = [str(m) for m in response.wsgi_request._messages]
    url = message.rsplit(": ", 1)[1]
    reviewer = Client()
    shared = reviewer.get(url)
    assert shared.status_code == 200 and "給外部審閱者的段落" in shared.content.decode()
    assert shared["X-Robots-Tag"] == "noindex, nofollow"
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert reviewer.get(reverse("preview_shared", args=[token[:-2] + "xx"])).status_code == 404

    expired, _ = preview_link_token(article, hours=1)
    later = timezone.now() + timedelta(hours=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("articles.previews.timezone.now", lambda: later)
        with pytest.raises(PreviewLinkError, match="expired"):
            preview_link_version(expired)
        gone = reviewer.get(reverse("preview_shared", args=[expired]))
    assert gone.status_code == 410 and "expired" in gone.content.decode()


def test_dates_move_exactly_when_a_published_version_changes(client, editor):
    article = make_article("原來的段落。")
    first = Article.objects.get(pk=article.pk).live_version
    api = client.get(f"/api/v1/articles/{article.slug}").json()
    set_text(first_paragraph(article), "更正後的段落。")
    assert client.get(f"/api/v1/articles/{article.slug}").json()["updated_at"] == api["updated_at"]
    workflow.article_publish(article=article, user=editor)
    second = Article.objects.get(pk=article.pk).live_version
    assert second.published_at > first.published_at
    after = client.get(f"/api/v1/articles/{article.slug}").json()
    assert after["updated_at"] != api["updated_at"] and after["publish_at"] == api["publish_at"]
    (payload,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', page(client, article), re.S
    )
    published = second.published_at
    # JSON-LD dates carry milliseconds.
    assert parse_datetime(json.loads(payload)["dateModified"]) == published.replace(
        microsecond=published.microsecond // 1000 * 1000
    )
    feed = client.get(reverse("feed")).content.decode()
    (updated,) = re.findall(r"<entry>.*?<updated>(.*?)</updated>", feed, re.S)
    assert parse_datetime(updated) == published


def test_a_published_correction_shows_its_date(client, editor):
    article = make_article("原來的段落。")
    make_annotation(first_paragraph(article), 0, 2, kind=Annotation.Kind.CORRECTION, body="已更正")
    workflow.article_publish(article=article, user=editor)
    html = page(client, article)
    assert 'class="note-date"' in html and f"{timezone.localdate():%Y}年" in html


def test_unpublishing_a_company_or_making_a_note_internal_takes_effect_at_once(client):
    company = make_company("月之暗面")
    article = make_article("月之暗面的段落。", status=Article.Status.DRAFT)
    paragraph = first_paragraph(article)
    make_mention(paragraph, 0, 4, company=company)
    note = make_annotation(paragraph, 0, 2, body="會被撤回的註釋")
    article.status, article.publish_at = Article.Status.PUBLISHED, timezone.now()
    article.save()
    from articles.publication import article_publish_version

    article_publish_version(article)
    html = page(client, article)
    assert company.get_absolute_url() in html and "會被撤回的註釋" in html
    note.visibility = Annotation.Visibility.INTERNAL
    note.save()
    company.published = False
    company.save()
    html = page(client, article)
    assert company.get_absolute_url() not in html and "會被撤回的註釋" not in html


def test_a_restore_changes_the_working_copy_only(editor_client):
    article = make_article("原來的段落。")
    with recorded_revision(None, "First draft"):
        article.save()
    set_text(first_paragraph(article), "第二稿。")
    with recorded_revision(None, "Second draft"):
        article.save()
    version = Version.objects.get_for_object(article).last()
    url = reverse("admin:articles_article_revision", args=[article.pk, version.pk])
    assert editor_client.post(url, posted_form(editor_client.get(url))).status_code == 302
    current = Article.objects.get(pk=article.pk)
    assert current.live_version.number == 1 and current.is_public
    assert "原來的段落" in page(Client(), article)
