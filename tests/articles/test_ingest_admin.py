"""The admin's batch ingest: several raw articles previewed one by one, then each saved on its own."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.admin.ingest import INGEST_BATCH_MAX_FILES
from articles.models import Annotation, Article, Paragraph, Section
from articles.services import article_ingest, article_preview
from exchange.models import PendingImport

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "raw" / "000_d7cb7fb013a2cf50.txt"
CLEAN = (
    "原文來源:光錐智能\n"
    "\n"
    "大模型完成三級跳\n"
    "2023年，百度發布了文心一言，阿里發布了通義千問。\n"
    "短短八個月，國內大模型從一百模升級至二百模。\n"
)
BATCH_URL = reverse("admin:articles_article_ingest_batch")


def raw_file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def three_files():
    return [
        raw_file("clean.txt", CLEAN.encode()),
        raw_file("seed.txt", SEED.read_bytes()),
        raw_file("gbk.txt", "大模型的戰爭".encode("gbk") * 10),
    ]


def preview(client, files):
    return client.post(BATCH_URL, {"raw_files": files})


def confirm(client, response, ticked, titles=None):
    """Post the confirm form of a preview, ticking the files numbered in `ticked`."""
    files = response.context["files"]
    data = {"token": response.context["token"], "file": [str(number) for number in ticked]}
    for batch_file in files:
        if batch_file.refusal is None:
            data[f"title-{batch_file.number}"] = (titles or {}).get(batch_file.number, batch_file.title)
    return client.post(BATCH_URL, data)


def saved_rows():
    return [model.objects.count() for model in (Article, Section, Paragraph, Annotation)]


def test_the_ingest_page_offers_a_batch_upload_of_several_files(contributor_client):
    html = contributor_client.get(reverse("admin:articles_article_ingest")).content.decode()
    assert 'name="title"' in html  # the single-file form stays
    assert 'name="raw_files"' in html and " multiple" in html and BATCH_URL in html
    assert f"Up to {INGEST_BATCH_MAX_FILES} UTF-8 text files" in html
    response = contributor_client.get(BATCH_URL)
    assert response.status_code == 200 and 'name="raw_files"' in response.content.decode()


def test_a_preview_of_three_files_shows_each_and_saves_nothing(editor_client):
    assert not article_preview(raw_text=CLEAN).warnings  # the clean file really is clean
    response = preview(editor_client, three_files())

    assert response.status_code == 200
    assert saved_rows() == [0, 0, 0, 0]
    clean, seed, gbk = response.context["files"]
    assert (clean.refusal, seed.refusal) == (None, None)
    assert "not UTF-8" in gbk.refusal
    html = response.content.decode()
    assert html.count('class="module ingest-batch-file') == 3
    assert "Refused, it will not be saved: The file is not UTF-8 text" in html
    seed_warnings = len(article_preview(raw_text=SEED.read_text()).warnings)
    assert seed_warnings > 0 and f"{seed_warnings} warnings" in html
    assert "0 warnings" in html and "2 paragraphs" in html
    # Each preview carries the single page's report and marked text, its anchors apart from the others'.
    assert 'id="file-2-warning-1"' in html and 'href="#file-2-warning-1"' in html
    assert html.count('class="ingest-paragraph') > 50
    # The accepted files wait in the database for the confirm; the refused one is not kept.
    assert response.context["accepted"] == 2
    pending = PendingImport.objects.get()
    kept = {entry["name"]: entry for entry in json.loads(bytes(pending.data))}
    assert pending.name == response.context["token"]
    assert kept["clean.txt"]["text"] == CLEAN and kept["gbk.txt"]["text"] == ""


def test_the_confirm_saves_exactly_the_ticked_good_files(editor_client, editor):
    response = preview(editor_client, three_files())
    response = confirm(editor_client, response, ticked=[1, 2, 3], titles={1: "三級跳", 2: "百模大戰之後"})

    assert response.status_code == 200
    articles = {article.title: article for article in Article.objects.all()}
    assert set(articles) == {"三級跳", "百模大戰之後"}
    assert {article.status for article in articles.values()} == {Article.Status.DRAFT}
    assert articles["三級跳"].raw_text == CLEAN
    seed = articles["百模大戰之後"]
    assert seed.annotations.filter(kind="ingest").count() == len(seed.ingest_report["warnings"]) > 0
    assert not PendingImport.objects.exists()
    # One line per file: a link to each created draft's change page, the refusal in words.
    created, created_seed, refused = response.context["outcomes"]
    assert (created.status, created_seed.status, refused.status) == ("created", "created", "refused")
    html = response.content.decode()
    for article in articles.values():
        assert reverse("admin:articles_article_change", args=[article.pk]) in html
    assert f"{len(seed.ingest_report['warnings'])} warnings" in html
    assert "Nothing saved: The file is not UTF-8 text" in html
    # Recorded as an addition by the editor, and as the article's first revision.
    assert LogEntry.objects.filter(action_flag=ADDITION, user=editor).count() == 2
    assert Version.objects.get_for_object(seed).get().revision.user == editor


def test_unticked_files_are_left_out(contributor_client):
    response = preview(contributor_client, three_files())
    response = confirm(contributor_client, response, ticked=[2])

    assert [article.title for article in Article.objects.all()] == ["seed"]
    statuses = [outcome.status for outcome in response.context["outcomes"]]
    assert statuses == ["left out", "created", "refused"]
    assert "Not ticked; nothing saved." in response.content.decode()


@pytest.mark.parametrize("ticked", [[], [3], [99]])
def test_a_confirm_with_nothing_ticked_saves_nothing_and_keeps_the_preview(editor_client, ticked):
    first = preview(editor_client, three_files())
    response = confirm(editor_client, first, ticked=ticked, titles={1: "改過的標題"})

    assert response.status_code == 400 and "No file was ticked" in response.content.decode()
    assert not Article.objects.exists() and PendingImport.objects.count() == 1
    assert response.context["files"][0].title == "改過的標題"
    confirm(editor_client, response, ticked=[1])
    assert [article.title for article in Article.objects.all()] == ["改過的標題"]


def test_a_batch_is_saved_once_however_often_it_is_confirmed(editor_client):
    response = preview(editor_client, three_files()[:1])
    confirm(editor_client, response, ticked=[1])
    again = confirm(editor_client, response, ticked=[1])

    assert again.status_code == 400 and "no longer waiting" in again.content.decode()
    assert Article.objects.count() == 1


def test_another_users_token_is_refused_and_the_batch_stays_its_uploaders(editor_client, editor, contributor):
    response = preview(editor_client, three_files()[:1])
    other = Client()
    other.force_login(contributor)

    refused = other.post(BATCH_URL, {"token": response.context["token"], "file": ["1"], "title-1": "偷"})
    assert refused.status_code == 400 and "belongs to another editor" in refused.content.decode()
    assert not Article.objects.exists() and PendingImport.objects.count() == 1
    confirm(editor_client, response, ticked=[1])
    article = Article.objects.get()
    assert article.title == "clean"
    assert Version.objects.get_for_object(article).get().revision.user == editor


@pytest.mark.parametrize("token", ["", "0" * 32, "not-a-token", "../../etc"])
def test_a_made_up_token_is_refused(editor_client, token):
    response = editor_client.post(BATCH_URL, {"token": token, "file": ["1"], "title-1": "標題"})
    assert response.status_code == 400 and "upload the files again" in response.content.decode()
    assert not Article.objects.exists()


def test_a_stale_batch_is_refused(editor_client, settings):
    response = preview(editor_client, three_files()[:1])
    old = timezone.now() - timedelta(seconds=settings.IMPORTS_PENDING_MAX_AGE + 60)
    PendingImport.objects.update(created_at=old)

    stale = confirm(editor_client, response, ticked=[1])
    assert stale.status_code == 400 and "expired" in stale.content.decode()
    assert not Article.objects.exists() and not PendingImport.objects.exists()


def test_a_file_that_became_a_duplicate_before_the_confirm_is_refused_alone(editor_client):
    response = preview(editor_client, three_files()[:2])
    article_ingest(raw_text=CLEAN, title="已經有了")  # someone ingested the same scrape meanwhile

    response = confirm(editor_client, response, ticked=[1, 2])
    clean, seed = response.context["outcomes"]
    assert clean.status == "refused" and "“已經有了” already holds exactly this text" in clean.reasons[0]
    assert seed.status == "created"
    assert sorted(Article.objects.values_list("title", flat=True)) == ["seed", "已經有了"]


def test_a_file_whose_title_was_emptied_is_refused_and_the_others_saved(editor_client):
    response = preview(editor_client, three_files()[:2])
    response = confirm(editor_client, response, ticked=[1, 2], titles={1: "   "})

    clean, seed = response.context["outcomes"]
    assert clean.status == "refused" and "needs a title" in clean.reasons[0]
    assert seed.status == "created" and [a.title for a in Article.objects.all()] == ["seed"]


def test_a_title_past_the_limit_is_refused_in_words(editor_client):
    response = preview(editor_client, three_files()[:1])
    response = confirm(editor_client, response, ticked=[1], titles={1: "長" * 301})
    (outcome,) = response.context["outcomes"]
    assert outcome.status == "refused" and "the limit is 300" in outcome.reasons[0]
    assert not Article.objects.exists()


def test_duplicates_are_refused_in_the_preview(editor_client):
    article_ingest(raw_text=SEED.read_text(), title="種子")
    response = preview(
        editor_client,
        [
            raw_file("seed-again.txt", SEED.read_bytes()),
            raw_file("a.txt", CLEAN.encode()),
            raw_file("b.txt", CLEAN.encode()),
        ],
    )
    again, first, second = response.context["files"]
    assert "“種子” already holds exactly this text" in again.refusal
    assert first.refusal is None
    assert second.refusal == "The same text as a.txt, earlier in this batch."
    assert Article.objects.count() == 1


def test_a_file_titled_like_an_existing_article_is_left_unticked(editor_client):
    article_ingest(raw_text=SEED.read_text(), title="clean")
    response = preview(editor_client, three_files()[:1])
    (clean,) = response.context["files"]
    assert clean.refusal is None and not clean.chosen
    html = response.content.decode()
    assert "An article titled “clean” already exists" in html
    assert 'name="file" value="1">' in html  # shown, but not checked


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"   \n", "The file is empty."),
        (b"\x00\x01binary", "binary"),
        ("原文來源:光錐智能\n".encode(), "The text holds no article paragraphs."),
    ],
)
def test_each_refusal_reason_is_given_in_words(editor_client, data, reason):
    response = preview(editor_client, [raw_file("bad.txt", data), raw_file("good.txt", CLEAN.encode())])
    bad, good = response.context["files"]
    assert reason in bad.refusal and good.refusal is None
    assert not Article.objects.exists()


def test_a_file_over_the_size_limit_is_refused_without_stopping_the_others(editor_client, settings):
    settings.INGEST_MAX_BYTES = len(CLEAN.encode())
    response = preview(
        editor_client, [raw_file("big.txt", SEED.read_bytes()), raw_file("ok.txt", CLEAN.encode())]
    )
    big, ok = response.context["files"]
    assert "the limit is" in big.refusal and ok.refusal is None
    kept = {entry["name"]: entry for entry in json.loads(bytes(PendingImport.objects.get().data))}
    assert kept["big.txt"]["text"] == "" and kept["ok.txt"]["text"] == CLEAN
    assert not Article.objects.exists()


def test_too_many_files_are_refused_whole_with_a_message(editor_client):
    files = [raw_file(f"{n}.txt", CLEAN.encode()) for n in range(INGEST_BATCH_MAX_FILES + 1)]
    response = preview(editor_client, files)
    assert response.status_code == 400
    message = f"a batch takes at most {INGEST_BATCH_MAX_FILES}"
    assert message in " ".join(response.context["form"].errors["raw_files"])
    assert message in response.content.decode()
    assert not Article.objects.exists() and not PendingImport.objects.exists()


def test_no_file_chosen_is_refused_with_a_message(editor_client):
    response = editor_client.post(BATCH_URL, {})
    assert response.status_code == 400 and "Choose the raw article files" in response.content.decode()


def test_the_batch_needs_the_add_permission_on_every_step(client, django_user_model, editor_client):
    previewed = preview(editor_client, three_files()[:1])
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    client.force_login(viewer)

    assert client.get(BATCH_URL).status_code == 403
    assert preview(client, three_files()[:1]).status_code == 403
    token = previewed.context["token"]
    assert client.post(BATCH_URL, {"token": token, "file": ["1"], "title-1": "標題"}).status_code == 403
    assert not Article.objects.exists() and PendingImport.objects.count() == 1


def test_a_contributor_ingests_drafts_only(contributor_client, contributor):
    response = preview(contributor_client, three_files()[:2])
    confirm(contributor_client, response, ticked=[1, 2])
    assert Article.objects.count() == 2
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.DRAFT}
    assert not Article.objects.filter(publish_at__isnull=False).exists()


def clean_variant(number: int) -> bytes:
    return CLEAN.replace("八個月", f"{number}個月").encode()


def test_the_preview_costs_the_same_queries_for_one_file_or_many(editor_client):
    with CaptureQueriesContext(connection) as one:
        preview(editor_client, [raw_file("0.txt", clean_variant(0))])
    with CaptureQueriesContext(connection) as many:
        preview(editor_client, [raw_file(f"{n}.txt", clean_variant(n)) for n in range(1, 6)])
    assert len(many) == len(one)


def test_the_confirm_costs_at_most_one_ingest_and_its_log_entry_per_file(editor_client, editor):
    with CaptureQueriesContext(connection) as single:
        article_ingest(raw_text=CLEAN.replace("百度", "騰訊"), title="量", created_by=editor)
    per_file = len(single) + 4  # a savepoint, its release, the admin's log entry and its content type

    response = preview(editor_client, [raw_file("0.txt", clean_variant(0))])
    with CaptureQueriesContext(connection) as one:
        confirm(editor_client, response, ticked=[1])
    response = preview(editor_client, [raw_file(f"{n}.txt", clean_variant(n)) for n in range(1, 6)])
    with CaptureQueriesContext(connection) as five:
        confirm(editor_client, response, ticked=[1, 2, 3, 4, 5])
    assert Article.objects.count() == 7
    assert len(five) - len(one) <= 4 * per_file


def test_the_single_file_page_keeps_the_batch_upload_when_it_refuses_a_file(editor_client):
    response = editor_client.post(
        reverse("admin:articles_article_ingest"), {"title": "標題", "raw_file": raw_file("x.txt", b"  \n")}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file is empty." in html and 'name="raw_files"' in html
