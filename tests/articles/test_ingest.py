"""Ingesting a raw article: the service that writes the draft and the management command."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Version

from articles.models import Annotation, Article, Paragraph, Section
from articles.services import article_ingest, article_preview
from articles.textpipeline import IngestInputError

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "raw" / "000_d7cb7fb013a2cf50.txt"
TITLE = "ChatGPT問世一年：百模大戰之後"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seed_text():
    return SEED.read_text(encoding="utf-8")


def row_counts():
    return [model.objects.count() for model in (Article, Section, Paragraph, Annotation)]


# --- The service ------------------------------------------------------------------------------------------


def test_ingest_creates_a_draft_with_provenance_and_structure(seed_text):
    article = article_ingest(raw_text=seed_text, title=TITLE)

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.title == TITLE
    assert article.raw_text == seed_text
    assert article.ingest_report == article_preview(raw_text=seed_text).to_dict()
    assert (article.original_source, article.image_credit) == ("光錐智能", "由無界 AI生成")
    assert (article.publisher, article.reprint_url) == ("芒果財經", "http://lequren.com/1081821.html")
    assert article.disclaimer.startswith("免責聲明：")
    assert article.notice.startswith("溫馨提示：")

    sections = list(article.sections.order_by("position"))
    assert [s.heading for s in sections] == [
        "",
        "2023年，大模型完成三級跳",
        "中國大模型核心競爭力在哪兒？",
        "人與AI的未來，在變革中共生",
    ]
    paragraphs = list(
        Paragraph.objects.filter(section__article=article).order_by("section__position", "position")
    )
    assert len(paragraphs) == 70
    assert paragraphs[0].text == "2022年11月30日，是ChatGPT面世的第一天。"
    assert paragraphs[-1].text == "2024，或?qū)⑹且粋€嶄新的世界。"
    assert [p.text for p in paragraphs if p.kind == Paragraph.Kind.IMAGE] == ["（圖源：美區蘋果商店截圖）"]


def test_each_warning_becomes_an_internal_open_annotation_anchored_to_its_text(seed_text):
    article = article_ingest(raw_text=seed_text, title=TITLE)

    annotations = list(article.annotations.select_related("paragraph"))
    assert len(annotations) == len(article.ingest_report["warnings"]) == 8
    for annotation in annotations:
        assert annotation.kind == Annotation.Kind.INGEST_WARNING
        assert annotation.visibility == Annotation.Visibility.INTERNAL
        assert annotation.status == Annotation.Status.OPEN
        text = annotation.paragraph.text
        assert text[annotation.start : annotation.end] == annotation.exact
        assert text[: annotation.start].endswith(annotation.prefix) and len(annotation.prefix) <= 32
        assert text[annotation.end :].startswith(annotation.suffix) and len(annotation.suffix) <= 32
    run = next(a for a in annotations if a.exact == "?!闭缤跣〈ㄋf")
    assert "。”正如王小川所說" in run.body
    assert run.prefix == "向智能時代，一個大的時代，就像之前工業時代一樣，會有新的公司起來"
    assert not Annotation.objects.public().exists()


def test_an_ingested_article_starts_its_history_with_the_text_as_ingested(seed_text):
    article = article_ingest(raw_text=seed_text, title=TITLE, revision_comment="Ingested raw.txt")

    (version,) = Version.objects.get_for_object(article)
    assert version.revision.comment == "Ingested raw.txt"
    paragraphs = [v for v in version.revision.version_set.all() if v._model is Paragraph]
    assert len(paragraphs) == Paragraph.objects.filter(section__article=article).count() == 70


def test_slugs_are_unique_and_a_given_slug_is_kept(seed_text):
    first = article_ingest(raw_text=seed_text, title=TITLE)
    second = article_ingest(raw_text=seed_text, title=TITLE)
    chosen = article_ingest(raw_text=seed_text, title=TITLE, slug="one-year-on")

    assert first.slug == "chatgpt-wen-shi-yi-nian-bai-mo-da-zhan-zhi-hou"  # readable, not percent-encoded Han
    assert second.slug != first.slug and second.slug.startswith(first.slug)
    assert chosen.slug == "one-year-on"


def test_a_taken_slug_or_a_missing_title_writes_nothing(seed_text):
    article_ingest(raw_text=seed_text, title=TITLE, slug="taken")
    before = row_counts()

    with pytest.raises(ValidationError):
        article_ingest(raw_text=seed_text, title=TITLE, slug="taken")
    with pytest.raises(ValidationError):
        article_ingest(raw_text=seed_text, title="  ")
    with pytest.raises(IngestInputError):
        article_ingest(raw_text="原文來源:光錐智能\n", title=TITLE)
    assert row_counts() == before


# --- The command ------------------------------------------------------------------------------------------


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("ingest_article", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_the_report_and_writes_nothing(tmp_path, seed_text):
    path = tmp_path / "raw.txt"
    path.write_text(seed_text, encoding="utf-8")

    out, err = run_command(str(path), "--dry-run")

    report = json.loads(out)
    assert report["original_source"] == "光錐智能"
    assert report["publisher"] == "芒果財經"
    assert [s["heading"] for s in report["sections"]][1] == "2023年，大模型完成三級跳"
    assert {"kind": "caption", "text": "（圖源：美區蘋果商店截圖）"} in report["sections"][2]["paragraphs"]
    assert {"kind", "section", "paragraph", "excerpt", "proposal"} <= report["warnings"][0].keys()
    assert "光錐智能" in out  # Chinese printed as is, not escaped
    assert "8 warnings" in err
    assert row_counts() == [0, 0, 0, 0]


def test_a_real_run_creates_the_draft_and_prints_where_it_is(tmp_path, seed_text):
    path = tmp_path / "raw.txt"
    path.write_text(seed_text, encoding="utf-8")

    out, _err = run_command(str(path), "--title", TITLE, "--slug", "first-year")

    article = Article.objects.get(slug="first-year")
    assert article.status == Article.Status.DRAFT
    assert f"/admin/articles/article/{article.pk}/change/" in out
    assert "first-year" in out
    assert article.annotations.count() == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("原文來源:光錐智能".encode("big5"), "UTF-8"),
        ("正文。".encode() * 10, "limit"),
    ],
    ids=["missing", "empty", "binary", "not-utf8", "oversize"],
)
def test_bad_input_fails_with_one_line_and_writes_nothing(tmp_path, settings, content, message):
    settings.INGEST_MAX_BYTES = 64
    path = tmp_path / "raw.txt"
    if content is not None:
        path.write_bytes(content)

    for args in ([str(path), "--dry-run"], [str(path), "--title", TITLE]):
        with pytest.raises(CommandError) as error:
            run_command(*args)
        assert message in str(error.value)
        assert "\n" not in str(error.value)
    assert row_counts() == [0, 0, 0, 0]


def test_a_text_without_paragraphs_is_refused_with_the_services_message(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text("原文來源:光錐智能\n", encoding="utf-8")

    with pytest.raises(CommandError, match="The text holds no article paragraphs"):
        run_command(str(path), "--title", TITLE)
    assert row_counts() == [0, 0, 0, 0]


def test_a_real_run_needs_a_title(tmp_path, seed_text):
    path = tmp_path / "raw.txt"
    path.write_text(seed_text, encoding="utf-8")

    with pytest.raises(CommandError, match="--title"):
        run_command(str(path))
    assert row_counts() == [0, 0, 0, 0]


@pytest.mark.django_db
def test_a_command_ingest_is_recorded_in_the_article_history(tmp_path):
    from reversion.models import Version

    raw = tmp_path / "raw.txt"
    raw.write_text("原文來源:測試\n大模型的算力,,正在增長,。\n", encoding="utf-8")
    call_command("ingest_article", str(raw), "--title", "測試", stdout=StringIO(), stderr=StringIO())
    article = Article.objects.get(title="測試")
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 1
    assert versions[0].revision.comment == "Ingested raw.txt"


# --- Batch ingest -----------------------------------------------------------------------------------------


def test_a_folder_and_files_are_ingested_each_on_its_own(tmp_path, seed_text):
    week = tmp_path / "week"
    week.mkdir()
    (week / "週一 百模大戰.txt").write_text(seed_text, encoding="utf-8")
    (week / "週二 壞檔.txt").write_bytes(b"\xff\xfe\x00bad")  # not UTF-8 text
    (week / "notes.md").write_text("not an article", encoding="utf-8")  # not a raw article: left out
    extra = tmp_path / "週三.txt"
    extra.write_text(seed_text, encoding="utf-8")
    before = row_counts()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 3 files were refused"):
        call_command("ingest_article", str(week), str(extra), stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert "週一 百模大戰.txt: created “週一 百模大戰”" in lines[0]
    assert lines[1].endswith("週二 壞檔.txt: refused: The file is binary (it contains NUL bytes), not text.")
    assert "週三.txt: created “週三”" in lines[2]
    assert "[1/3]" in err.getvalue() and "[3/3]" in err.getvalue()
    assert set(Article.objects.values_list("title", flat=True)) >= {"週一 百模大戰", "週三"}
    assert row_counts()[0] == before[0] + 2  # the bad file wrote nothing


def test_a_batch_dry_run_writes_nothing_and_title_is_for_one_file(tmp_path, seed_text):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(seed_text, encoding="utf-8")
    before = row_counts()
    out, _ = run_command(str(tmp_path), "--dry-run")
    assert "would create “a”" in out and "would create “b”" in out
    assert row_counts() == before
    with pytest.raises(CommandError, match="--title and --slug name one article"):
        run_command(str(tmp_path), "--title", "一個標題")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CommandError, match="holds no raw article"):
        run_command(str(empty))
