"""The curated seed fixture: the seed article as an editor would publish it."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Annotation, Article, Paragraph, Section, Topic

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "seed_article.json"
SLUG = "one-year-after-chatgpt-hundred-model-war"

HAN = r"[\u3400-\u9fff]"
ARTIFACTS = {
    "pinyin reading": re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)"),
    "ASCII punctuation between Han characters": re.compile(rf"{HAN}[,;?:!()]{HAN}"),
    "ASCII punctuation after a Han character": re.compile(rf"{HAN}[,;?!]"),
    "HTML remnant": re.compile(r"</?p>|/p>"),
    "question or exclamation mark from a mojibake run": re.compile(r"[?!]"),
    "mojibake character": re.compile(r"[鄙壷恕岸倌闭缤跣〈ㄋ彼粋€⑹]"),
}

pytestmark = pytest.mark.django_db


def load_seed():
    call_command("loaddata", str(FIXTURE), verbosity=0)


@pytest.fixture
def article(seed_article):
    return seed_article


def paragraphs_in_order(article):
    return list(Paragraph.objects.filter(section__article=article).order_by("section__position", "position"))


def paragraph_containing(article, needle):
    matches = [p for p in paragraphs_in_order(article) if needle in p.text]
    assert len(matches) == 1, f"{needle!r} found in {len(matches)} paragraphs"
    return matches[0]


def published_texts(article):
    sections = article.sections.all()
    return [
        article.title,
        article.summary,
        article.disclaimer,
        article.notice,
        *(s.heading for s in sections),
        *(p.text for p in paragraphs_in_order(article)),
    ]


def test_loading_twice_updates_the_same_rows():
    models = [Topic, Article, Section, Paragraph, Annotation]
    load_seed()
    first = {m: sorted(m.objects.values_list("pk", flat=True)) for m in models}
    load_seed()
    second = {m: sorted(m.objects.values_list("pk", flat=True)) for m in models}

    assert first == second
    # 7 public notes and 8 resolved ingest warnings.
    assert [len(first[m]) for m in models] == [2, 1, 4, 70, 15]


def test_article_is_published_with_its_provenance(article):
    assert article.status == Article.Status.PUBLISHED
    assert article.publish_at == datetime(2023, 11, 30, 2, 0, tzinfo=UTC)
    assert article.is_public
    assert article.language == "zh-Hant"
    assert article.title and article.summary
    assert article.original_source == "光錐智能"
    assert article.image_credit == "由無界 AI生成"
    assert article.publisher == "芒果財經"
    assert article.reprint_url == "http://lequren.com/1081821.html"
    assert article.disclaimer.startswith("免責聲明：本文來自網絡收錄或投稿，")
    assert article.disclaimer.endswith("轉載請注明出處：http://lequren.com/1081821.html")
    assert article.notice == "溫馨提示：投資有風險，入市須謹慎。本資訊不作為投資理財建議。"
    assert sorted(article.topics.values_list("slug", flat=True)) == ["bai-mo-da-zhan", "generative-ai"]


def test_raw_text_is_kept_as_ingested(article):
    assert article.raw_text.startswith("原文來源:光錐智能\n圖片來源:由無界 AI生成\n")
    assert "商業(yè)世界" in article.raw_text
    assert "從“一百?!鄙壷亮恕岸倌!?。" in article.raw_text


def test_sections_carry_the_three_headings_in_order(article):
    sections = list(article.sections.order_by("position"))

    assert [s.heading for s in sections] == [
        "",
        "2023年，大模型完成三級跳",
        "中國大模型核心競爭力在哪兒？",
        "人與AI的未來，在變革中共生",
    ]
    assert [s.anchor for s in sections] == ["s-01", "s-02", "s-03", "s-04"]
    assert [s.position for s in sections] == [0, 1, 2, 3]


def test_paragraph_anchors_run_through_the_article(article):
    paragraphs = paragraphs_in_order(article)

    assert [p.anchor for p in paragraphs] == [f"p-{n:02d}" for n in range(1, 71)]
    for section in article.sections.all():
        positions = list(section.paragraphs.order_by("position").values_list("position", flat=True))
        assert positions == list(range(len(positions)))
    assert paragraphs[0].text == "2022年11月30日，是ChatGPT面世的第一天。"
    assert paragraphs[-1].text == "2024，或將是一個嶄新的世界。"


def test_the_image_caption_is_the_only_caption(article):
    captions = [p for p in paragraphs_in_order(article) if p.kind == Paragraph.Kind.IMAGE]

    assert [(p.anchor, p.text) for p in captions] == [("p-38", "（圖源：美區蘋果商店截圖）")]


@pytest.mark.parametrize("name", ARTIFACTS)
def test_no_ingest_artifact_is_left(article, name):
    pattern = ARTIFACTS[name]
    offenders = [text for text in published_texts(article) if pattern.search(text)]

    assert offenders == [], name


def test_latin_text_keeps_its_ascii_punctuation(article):
    text = "\n".join(published_texts(article))

    for kept in ("GPT-3.5", "GPT-4", "1.5%", "AI1.0", "Character AI", "Bing Chat", "2.5萬"):
        assert kept in text


def test_mojibake_runs_are_corrected_by_hand(article):
    assert paragraph_containing(article, "從“一百模”升級至了“二百模”。").anchor == "p-13"
    assert paragraph_containing(article, "會有新的公司起來。”正如王小川所說，").anchor == "p-54"
    assert paragraph_containing(article, "年輕人更有機會。”他補充道。").anchor == "p-62"
    assert paragraph_containing(article, "開啟地獄之門。”").text.endswith("。”")
    assert paragraph_containing(article, "理想上慢一步").text == "“理想上慢一步，落地上快三步。”"
    assert paragraph_containing(article, "GPT-3.5基本就能").text.endswith("還可以的效果。”")


def test_quotation_marks_are_balanced_and_the_stray_quote_opens(article):
    paragraph = paragraph_containing(article, "大模型創業的特性，")

    assert paragraph.text.startswith("“大模型創業的特性，")
    for p in paragraphs_in_order(article):
        depth = 0
        for char in p.text:
            depth += {"“": 1, "”": -1}.get(char, 0)
            assert depth in (0, 1), p.anchor
        assert depth == 0, p.anchor


def test_the_authors_typo_stays_and_carries_a_public_correction(article):
    paragraph = paragraph_containing(article, "《流量地球》")
    correction = Annotation.objects.get(paragraph=paragraph, kind=Annotation.Kind.CORRECTION)

    assert correction.exact == "《流量地球》"
    assert "《流浪地球》" in correction.body


def test_public_annotations_cover_what_readers_need(article):
    annotations = article.annotations.public()

    assert 5 <= len(annotations) <= 7
    assert {a.visibility for a in annotations} == {Annotation.Visibility.PUBLIC}
    assert {a.status for a in annotations} == {Annotation.Status.OPEN}
    exacts = {a.exact for a in annotations}
    assert {"邱錫鵬", "Moss系統", "MOSS", "騰訊ConTech大會", "《流量地球》"} <= exacts
    assert annotations.filter(kind=Annotation.Kind.FACT_CHECK).exists()


def test_every_annotation_selector_matches_its_paragraph(article):
    for annotation in article.annotations.select_related("paragraph"):
        text = annotation.paragraph.text
        start, end = annotation.start, annotation.end

        assert annotation.paragraph.section.article_id == article.pk
        assert text[start:end] == annotation.exact, annotation.uid
        assert annotation.prefix == text[max(0, start - 32) : start], annotation.uid
        assert annotation.suffix == text[end : end + 32], annotation.uid
        assert not annotation.orphaned


@pytest.mark.django_db
def test_seed_carries_its_ingest_report_and_every_warning_resolved():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    article = Article.objects.get()
    warnings = article.ingest_report["warnings"]
    resolved = Annotation.objects.filter(article=article, kind=Annotation.Kind.INGEST_WARNING)
    assert len(warnings) == resolved.count() == 8
    assert set(resolved.values_list("status", "visibility")) == {("resolved", "internal")}
    by_anchor = {a.paragraph.anchor: a.exact for a in resolved.select_related("paragraph")}
    assert by_anchor["p-13"] == "模”升級至了“二百模”"
    assert by_anchor["p-62"] == "。”他補"
    assert by_anchor["p-70"] == "將是一個"
    for annotation in resolved.select_related("paragraph"):
        assert annotation.paragraph.text[annotation.start : annotation.end] == annotation.exact
