"""The admin's batch ingest in real headless Chromium: choose or drop files, untick one, save the rest."""

from pathlib import Path

import pytest
from django.urls import reverse

from articles.models import Article
from tests.browser.support import DESKTOP, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "raw" / "000_d7cb7fb013a2cf50.txt"
CLEAN = (
    "原文來源:光錐智能\n\n大模型完成三級跳\n2023年，百度發布了文心一言。\n"
    "短短八個月，國內大模型從一百模升級至二百模。\n"
)

DROP_JS = """
([names, texts]) => {
  const transfer = new DataTransfer();
  names.forEach((name, index) => transfer.items.add(new File([texts[index]], name, {type: "text/plain"})));
  const zone = document.querySelector(".ingest-drop");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  return document.querySelector(".ingest-batch-input").files.length;
}
"""


@pytest.fixture
def editor_page(staff_page):
    return staff_page("batch-editor", "Editor", viewport=DESKTOP)


def test_an_editor_previews_three_files_unticks_one_and_saves_the_good_one(editor_page, live_server):
    page = editor_page
    page.goto(live_server.url + reverse("admin:articles_article_ingest"))
    page.set_input_files(
        ".ingest-batch-input",
        [
            {"name": "clean.txt", "mimeType": "text/plain", "buffer": CLEAN.encode()},
            {"name": "seed.txt", "mimeType": "text/plain", "buffer": SEED.read_bytes()},
            {"name": "gbk.txt", "mimeType": "text/plain", "buffer": "大模型的戰爭".encode("gbk") * 10},
        ],
    )
    assert page.locator(".ingest-drop-list li").count() == 3
    page.click("text=Preview each file")

    assert page.locator(".ingest-batch-file").count() == 3
    assert axe_violations(page) == []
    assert "not UTF-8" in page.locator("#file-3 .ingest-refusal").inner_text()
    assert not Article.objects.exists()
    submit = page.locator(".ingest-batch-confirm input[type=submit]")
    assert submit.input_value().endswith("(2 of 2)")
    page.click("text=Untick all")
    assert submit.input_value().endswith("(0 of 2)")
    page.check("#file-2 input[name=file]")
    page.fill("#id_title-2", "百模大戰之後")
    page.locator("#file-2 summary").click()
    assert page.locator("#file-2 .ingest-paragraph").count() > 50
    submit.click()

    rows = page.locator(".ingest-batch-summary tbody tr")
    assert rows.count() == 3
    assert axe_violations(page) == []
    assert "Not ticked" in rows.nth(0).inner_text()
    assert "created" in rows.nth(1).inner_text() and "refused" in rows.nth(2).inner_text()
    article = Article.objects.get()
    assert article.title == "百模大戰之後" and article.status == Article.Status.DRAFT
    rows.nth(1).locator("a", has_text="百模大戰之後").click()
    assert page.url.endswith(reverse("admin:articles_article_change", args=[article.pk]))
    assert page.console.errors == []


def test_files_dropped_on_the_batch_upload_are_chosen_and_listed(editor_page, live_server):
    page = editor_page
    page.goto(live_server.url + reverse("admin:articles_article_ingest_batch"))
    assert page.locator(".ingest-drop-hint").is_visible()
    assert axe_violations(page) == []

    chosen = page.evaluate(DROP_JS, [["a.txt", "b.txt"], [CLEAN, CLEAN.replace("八", "九")]])
    assert chosen == 2
    assert page.locator(".ingest-drop-list li").all_inner_texts()[0].startswith("a.txt")
    page.click("text=Preview each file")
    assert page.locator(".ingest-batch-file").count() == 2
    assert page.console.errors == []
