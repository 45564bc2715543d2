"""The pure ingest pipeline: each damage kind alone, properties, and the real seed."""

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from articles.textpipeline import (
    IngestInputError,
    clean_text,
    decode_raw_article,
    parse_article,
    render_article,
)
from bench.ingest.damage import garble

ROOT = Path(__file__).resolve().parents[2]
# The raw seed exactly as scraped, kept beside the curated fixture made from it.
SEED = ROOT / "fixtures" / "raw" / "000_d7cb7fb013a2cf50.txt"
FIXTURE = ROOT / "fixtures" / "seed_article.json"

HAN = r"[\u3400-\u9fff]"
READING = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def damage(text: str) -> str:
    """Encode as GBK and decode one byte late, the way the reprint site mangled some runs."""
    data = text.encode("gbk")
    out = ["?"]  # the first byte has no partner
    i = 1
    while i < len(data):
        byte = data[i]
        if byte < 0x80:
            out.append(chr(byte))
            i += 1
            continue
        if i + 1 >= len(data):
            out.append("?")
            break
        pair = data[i : i + 2]
        try:
            ch = pair.decode("gbk")
        except UnicodeDecodeError:
            ch = pair.decode("gb18030", errors="replace")
        if "\ue000" <= ch <= "\uf8ff":
            ch = ""  # user-defined characters were dropped
        out.append("!" if ch == "！" else ch)
        i += 2
    return "".join(out)


def all_text(result) -> list[str]:
    return [p.text for section in result.sections for p in section.paragraphs]


# --- Inline pinyin readings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("商業(yè)世界", "商業世界"),
        ("銀(yín)行與綠(lǜ)色債(zhài)券", "銀行與綠色債券"),  # not in the seed; ü and tones
        ("女(nǚ)性", "女性"),
        ("第一款A(yù)I應(yīng)用", "第一款AI應用"),  # a reading wedged inside a Latin word
        ("(圖源:美區(qū)蘋果商店截圖)", "（圖源：美區蘋果商店截圖）"),
        ("選項(a)與選項(b)", "選項(a)與選項(b)"),  # no tone mark: a real enumeration
        ("模型(xyzā)", "模型(xyzā)"),  # toned but not a pinyin syllable
        ("北京 (Běijīng)", "北京 (Běijīng)"),  # a gloss after a space is the author's
    ],
)
def test_readings_are_removed_and_real_parentheses_stay(raw, clean):
    assert clean_text(raw) == clean


# --- Punctuation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("2022年11月30日,,是ChatGPT面世的第一天,。", "2022年11月30日，是ChatGPT面世的第一天。"),
        ("天氣很好,我們去公園", "天氣很好，我們去公園"),
        ("相互交織,;而在", "相互交織；而在"),
        ("何為我們,?", "何為我們？"),
        ("阿里,、華為", "阿里、華為"),
        ("事實,:“中國", "事實：“中國"),
        ("據他判斷:“我們", "據他判斷：“我們"),
        ("真的嗎?我不信!", "真的嗎？我不信！"),
        ("你用過ChatGPT?", "你用過ChatGPT？"),
        ("有14萬個評價,Pi有1336個", "有14萬個評價，Pi有1336個"),
        ("只有1.5%的中文語料", "只有1.5%的中文語料"),
        ("訓練GPT-4要2.5萬塊,國內對標GPT-3.5", "訓練GPT-4要2.5萬塊，國內對標GPT-3.5"),
        ("第二類是AI1.0時代", "第二類是AI1.0時代"),
        ("出處:http://lequren.com/1081821.html", "出處：http://lequren.com/1081821.html"),
        ("見 https://example.org/a?b=1,2 的說明", "見 https://example.org/a?b=1,2 的說明"),
        ("Hello, world! Is it 10:30? Yes; 1,000 units.", "Hello, world! Is it 10:30? Yes; 1,000 units."),
    ],
)
def test_flattened_punctuation_is_restored_only_in_chinese(raw, clean):
    assert clean_text(raw) == clean


# --- HTML remnants ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>他說完了。</p>", "他說完了。"),
        ("“我們會贏。”</p>", "“我們會贏。”"),
        ("能夠開啟地獄之門?!?/p>", "能夠開啟地獄之門。”"),
        ("“下雨了?!?</p>", "“下雨了。”"),
        ("第一行<br/>第二行", "第一行第二行"),
    ],
)
def test_html_remnants_are_stripped(raw, clean):
    assert clean_text(raw) == clean


def test_the_mojibake_tail_before_an_eaten_tag_is_repaired_and_reported():
    result = parse_article("他說,“明天再談?!?/p>\n")
    [paragraph] = all_text(result)
    assert paragraph == "他說，“明天再談。”"
    [warning] = result.warnings
    assert (warning.kind, warning.excerpt, warning.applied, warning.original) == (
        "mojibake",
        "。”",
        True,
        "?!?/p>",
    )
    assert paragraph[warning.start : warning.end] == "。”"


# --- Mojibake -----------------------------------------------------------------------------------------

CONTEXT = "“市場很大。”李明表示,,機會很多。記者問道,,你好。他說,,正如分析師所說。\n"


@pytest.mark.parametrize(
    ("before", "lost", "after"),
    [
        ("“未來很難預測", "。”正如分析師所說", ",,但機會很多。"),
        ("“這是一個好機會", "。”李明表示", ",,市場很大。"),
        ("“你怎麼看", "。”記者問道", "?"),
    ],
)
def test_a_run_decoded_one_byte_late_is_found_and_its_repair_proposed(before, lost, after):
    run = damage(lost)
    assert run != lost and run.startswith("?")
    result = parse_article(CONTEXT + before + run + after + "\n")
    [warning] = result.warnings
    paragraph = all_text(result)[-1]
    assert warning.kind == "mojibake"
    assert warning.excerpt == run
    assert paragraph[warning.start : warning.end] == run  # the damaged text stays until an editor decides
    assert warning.proposal == lost


def test_a_question_mark_before_chinese_text_is_not_mojibake():
    text = "人工智能究竟如何改變了人類社會?有哪些具體而又深刻的影響?是否將重塑我們的世界?"
    result = parse_article(text)
    assert result.warnings == ()
    assert all_text(result) == [
        "人工智能究竟如何改變了人類社會？有哪些具體而又深刻的影響？是否將重塑我們的世界？"
    ]


def test_a_run_whose_lost_byte_leaves_many_readings_proposes_the_best_and_ranks_the_others():
    result = parse_article("2024,,或?qū)⑹且粋€嶄新的世界。\n")
    [warning] = result.warnings
    assert warning.excerpt == "?qū)⑹且粋€"
    # What the bytes prove, the lost character marked; the reading that scores best, and the others.
    assert warning.partial == "□是一個"
    assert warning.proposal == warning.guess and warning.proposal.endswith("是一個")
    assert "將是一個" in (warning.proposal, *warning.alternatives)


def test_a_run_that_dropped_a_pair_is_proposed_only_when_every_guess_has_evidence():
    result = parse_article("在時代變革的時候，年輕人更有機會,?!彼a充道。\n")
    [warning] = [w for w in result.warnings if w.kind == "mojibake"]
    assert warning.proposal is None
    assert warning.guess and "□" in warning.partial


def test_a_run_of_common_characters_is_flagged_by_how_it_reads_in_context():
    raw = "融资方面，伴随?谧食中?加码，公司的估值一路上升。"
    result = parse_article(raw + "\n")
    assert all_text(result) == [raw]  # kept verbatim: its ? never become ？
    [warning] = result.warnings
    assert (warning.excerpt, warning.proposal) == ("?谧食中?", "融资持续")


@pytest.mark.parametrize(("opening", "closing"), [("「", "」"), ("“", "”")])
def test_a_lost_closing_mark_is_read_as_the_quote_the_paragraph_opened(opening, closing):
    [warning] = parse_article(f"他對記者說：{opening}這件事情，我們都很?私狻!?然後離開了會場。\n").warnings
    assert warning.proposal == f"了解。{closing}"


@pytest.mark.parametrize(
    "line", ["你知道嗎?我們明天見面吧?好的。", "這是誰?他說他不知道?真的嗎?", "你好嗎?這是我的A計畫。"]
)
def test_question_marks_between_chinese_sentences_are_not_taken_for_a_run(line):
    result = parse_article(line + "\n")
    assert result.warnings == ()
    assert all_text(result) == [line.replace("?", "？")]


# --- Structure ----------------------------------------------------------------------------------------

ARTICLE = """原文來源:某某研究
圖片來源:攝影師
今年,,市場發生了很大的變化,。
新公司紛紛成立,,競爭非常激烈,。
機器人產業的下一步,,在哪裡?
“慢一步,,快三步?!?/p>
(圖源:某網站截圖)
人們開始思考未來。
免責聲明:本文來自網絡,,不代表某某日報贊同其觀點,。轉載請注明出處:https://example.com/42.html
溫馨提示:投資有風險,,入市須謹慎。
"""


def test_structure_credits_headings_captions_and_footer():
    result = parse_article(ARTICLE)
    assert result.original_source == "某某研究"
    assert result.image_credit == "攝影師"
    assert result.publisher == "某某日報"
    assert result.reprint_url == "https://example.com/42.html"
    assert result.disclaimer.startswith("免責聲明：本文來自網絡，不代表某某日報")
    assert result.notice == "溫馨提示：投資有風險，入市須謹慎。"
    assert [section.heading for section in result.sections] == [None, "機器人產業的下一步，在哪裡？"]
    assert [(p.kind, p.text) for p in result.sections[1].paragraphs] == [
        ("text", "“慢一步，快三步。”"),
        ("caption", "（圖源：某網站截圖）"),
        ("text", "人們開始思考未來。"),
    ]


def test_to_dict_has_the_report_schema():
    report = json.loads(json.dumps(parse_article(ARTICLE).to_dict(), ensure_ascii=False))
    for key in ("original_source", "image_credit", "publisher", "reprint_url", "disclaimer", "notice"):
        assert key in report
    assert {"heading", "paragraphs"} <= report["sections"][0].keys()
    assert report["sections"][1]["paragraphs"][1] == {"kind": "caption", "text": "（圖源：某網站截圖）"}
    for warning in report["warnings"]:
        assert {"kind", "section", "paragraph", "excerpt", "proposal"} <= warning.keys()


def test_a_paragraph_opening_with_a_closing_quote_is_flagged():
    result = parse_article("”大模型創業的特性,,就要求產品經理懂技術。\n")
    [warning] = result.warnings
    assert (warning.kind, warning.excerpt, warning.proposal, warning.start) == ("stray-quote", "”", "“", 0)


def test_empty_text_has_no_sections():
    assert parse_article("").sections == ()


# --- What generalises beyond the seed (issue 13) -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("他說：「這是第一步?!?/p>", "他說：「這是第一步。」"),  # 。」 garbles to the same bytes as 。”
        ("他說,“明天再談?!?/p>", "他說，“明天再談。”"),
        ("他引述「市場說『這是機會?!?/p>", "他引述「市場說『這是機會。』"),
        ("這是第一步?!?/p>", "這是第一步。”"),  # nothing open to balance: the site's usual closing
    ],
)
def test_a_tail_closes_the_quotation_the_paragraph_opened(raw, clean):
    [paragraph] = all_text(parse_article(raw + "\n"))
    assert paragraph == clean


def test_a_tail_in_the_middle_of_a_line_ends_the_paragraph_the_scrape_joined():
    result = parse_article("他說：「這是第一步?!?/p>記者問道,,下一步呢?\n")
    assert all_text(result) == ["他說：「這是第一步。」", "記者問道，下一步呢？"]
    [warning] = result.warnings
    assert (warning.paragraph, warning.excerpt, warning.applied) == (0, "。」", True)


def test_a_short_line_that_exclaims_before_body_text_is_a_heading():
    result = parse_article("2025年,,開源模型全面爆發!\n各家廠商紛紛發布新模型，市場反應熱烈。\n")
    assert [section.heading for section in result.sections] == ["2025年，開源模型全面爆發！"]


@pytest.mark.parametrize(
    "kept",
    [
        "https://example.com/news?id=42&lang=zh",
        "press@example.com",
        "GPT-3.5",
        "1.5%",
        "10:30",
        "16:9",
        "NT$29,900",
        "02-2345-6789",
        "(Large Language Model)",
        "“Are you ready?”",
    ],
)
def test_ascii_that_belongs_to_latin_text_survives_in_chinese_sentences(kept):
    text = f"海報上寫著{kept}幾個大字,,大家都很興奮。"
    [paragraph] = all_text(parse_article(text + "\n"))
    assert paragraph == f"海報上寫著{kept}幾個大字，大家都很興奮。"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("三業分離 ,,IDM規模很小。", "三業分離，IDM規模很小。"),
        ("三業分離, IDM規模很小。", "三業分離，IDM規模很小。"),
        ("採用IDM , 規模很小。", "採用IDM，規模很小。"),
        ("Apple, Google和微軟都在。", "Apple, Google和微軟都在。"),  # between Latin words it is Latin
    ],
)
def test_a_stack_between_chinese_and_latin_text_loses_its_spaces(raw, clean):
    assert clean_text(raw) == clean


def test_a_question_mark_glued_between_han_characters_opens_a_run():
    run = damage("期二")
    result = parse_article(f"梁振英在星{run}（12月10日）的答問大會開始。\n")
    [warning] = result.warnings
    assert (warning.kind, warning.excerpt) == ("mojibake", run)
    assert "？" not in all_text(result)[0]  # a suspected run's ? is never made full-width


@pytest.mark.parametrize(
    ("original", "context"),
    [
        ("問題", "你問AI什麼{}，它就像一本字典。"),  # 題 is EE 7D: its trail byte survives as }
        ("最新研究", "{}顯示，人工智慧取得進展。"),  # a run may open the line
    ],
)
def test_runs_realigned_by_an_ascii_mark_or_opening_a_line_are_found(original, context):
    run = damage(original)
    result = parse_article(context.format(run) + "\n")
    [warning] = result.warnings
    assert warning.excerpt == run
    assert all_text(result)[0] == context.format(run).replace(",", "，")


def test_a_run_that_swallowed_the_first_letter_of_a_latin_word_gives_it_back():
    run = damage("的A")  # 的 is B5 C4: read one byte late, C4 takes the A of AI as its trail byte
    result = parse_article(f"創新奇智成為名副其實{run}I獨角獸，估值超過百億元。\n")
    [warning] = result.warnings
    assert warning.excerpt == run
    assert warning.guess.endswith("A") and warning.partial.endswith("A")


def test_a_proposal_marks_what_the_bytes_cannot_prove_and_ranks_other_readings():
    [warning] = parse_article("2024,,或?qū)⑹且粋€嶄新的世界。\n").warnings
    assert "□" in warning.partial and len(warning.partial) == len(warning.guess)
    assert all(p in ("□", g) for p, g in zip(warning.partial, warning.guess, strict=True))
    assert warning.alternatives and warning.guess not in warning.alternatives


def test_utf8_text_read_as_gbk_is_repaired_where_every_byte_survived():
    result = parse_article("這是一個妯″瀷的問題，值得討論。\n")
    assert all_text(result) == ["這是一個模型的問題，值得討論。"]
    [warning] = result.warnings
    assert (warning.excerpt, warning.original, warning.applied) == ("模型", "妯″瀷", True)


def test_simplified_characters_left_in_a_traditional_article_are_flagged_not_converted():
    text = "人們依賴于從模型身上得到確定性，而后又因恐懼而退縮，理智與理想并存。瓦列里·福金獲獎。"
    result = parse_article(text + "\n")
    assert all_text(result) == [text]
    found = [(w.kind, w.excerpt, w.proposal) for w in result.script_warnings]
    assert found == [("script", "于", "於"), ("script", "后", "後"), ("script", "并", "並")]
    assert result.warnings == ()
    assert all(text[w.start : w.end] == w.excerpt for w in result.script_warnings)


def test_a_simplified_article_has_no_script_warnings():
    result = parse_article("人们依赖于从模型身上得到确定性，而后又因恐惧而退缩。\n")
    assert result.language == "zh-Hans" and result.script_warnings == ()


# --- Raw input validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"abc\x00def", "binary"),
        ("正文\x07".encode(), "binary"),
        ("中文".encode("big5"), "UTF-8"),
        (b"x" * 101, "limit"),
    ],
)
def test_bad_raw_input_is_refused_with_one_line(data, reason):
    with pytest.raises(IngestInputError) as error:
        decode_raw_article(data, max_bytes=100)
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_good_raw_input_is_decoded_without_its_byte_order_mark():
    assert decode_raw_article("\ufeff正文\r\n".encode(), max_bytes=100) == "正文\r\n"


# --- Properties ---------------------------------------------------------------------------------------

han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
words = st.text(han, min_size=1, max_size=8)
latin = st.from_regex(r"[A-Za-z][A-Za-z0-9.\-]{0,6}", fullmatch=True)
readings = st.sampled_from(["(yè)", "(chuàng)", "(xiàn)", "(lǜ)", "(shù)"])
flattened = st.sampled_from([",", ",,", ",。", ",;", ",?", ",、", ":", "?", "!", "。", "、", " ,,", ", "])
legit_ascii = st.sampled_from(
    ["https://example.com/a?b=1&c=2", "press@example.com", "GPT-3.5", "1.5%", "10:30", "16:9", "NT$29,900"]
)
tails = st.sampled_from(["?!?/p>", "</p>", ""])
openings = st.sampled_from(["", "“", "「"])
clean_marks = st.sampled_from(["，", "。", "、", "；", "：", "？", "！"])


@st.composite
def damaged_lines(draw):
    parts = [draw(openings)]
    for _ in range(draw(st.integers(1, 6))):
        word = draw(st.one_of(words, latin, legit_ascii))
        reading = draw(readings) if re.match(HAN, word[-1]) and draw(st.booleans()) else ""
        parts.append(word + reading + draw(flattened))
    line = "".join(parts) + draw(tails)
    if draw(st.booleans()):
        line += draw(words) + "。"  # a second paragraph joined after a tail, or more of the same one
    return line


def han_of_input(result, raw: str) -> Counter:
    """Count the Han characters a parse must keep: the input's, minus readings, with repairs applied."""
    expected = Counter(re.findall(HAN, _READINGS_RE.sub("", raw)))
    for warning in result.warnings:
        if warning.applied and warning.original and not warning.original.endswith("/p>"):
            expected -= Counter(re.findall(HAN, warning.original))
            expected += Counter(re.findall(HAN, warning.excerpt))
    return expected


_READINGS_RE = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
traditional_words = st.sampled_from(
    [
        "模型",
        "公司",
        "市場",
        "人工智慧",
        "晶片",
        "台灣",
        "發展",
        "投資",
        "創業",
        "大廠",
        "融資",
        "技術",
        "記者",
    ]
)


@st.composite
def clean_traditional(draw):
    sentences = []
    for _ in range(draw(st.integers(1, 4))):
        clauses = [
            "".join(draw(st.lists(traditional_words, min_size=1, max_size=4)))
            + draw(st.sampled_from(["", "（GPT-3.5）", "NT$29,900", "「AI」", "“Are you ready?”"]))
            for _ in range(draw(st.integers(1, 3)))
        ]
        sentences.append("，".join(clauses) + draw(st.sampled_from(["。", "？", "！"])))
    return "".join(sentences)


@st.composite
def clean_chinese(draw):
    sentences = []
    for _ in range(draw(st.integers(1, 4))):
        clauses = [
            draw(st.one_of(words, latin.map(lambda w: f"{w}模型"))) for _ in range(draw(st.integers(1, 3)))
        ]
        sentences.append("，".join(clauses) + draw(st.sampled_from(["。", "？", "！"])))
    return "".join(sentences)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(damaged_lines(), min_size=1, max_size=6))
def test_parsing_its_own_output_changes_nothing(lines):
    first = parse_article("\n".join(lines))
    second = parse_article(render_article(first))
    assert second.sections == first.sections
    assert (second.original_source, second.disclaimer, second.notice) == (
        first.original_source,
        first.disclaimer,
        first.notice,
    )


@settings(max_examples=60, deadline=None)
@given(damaged_lines())
def test_cleaning_loses_no_chinese_character(line):
    assert Counter(re.findall(HAN, clean_text(line))) == Counter(re.findall(HAN, line))
    assert clean_text(clean_text(line)) == clean_text(line)


@settings(max_examples=60, deadline=None)
@given(st.lists(damaged_lines(), min_size=1, max_size=4))
def test_parsing_loses_no_chinese_character_but_readings_and_keeps_repairs_reported(lines):
    raw = "\n".join(lines)
    result = parse_article(raw)
    kept = Counter(re.findall(HAN, "".join(all_text(result))))
    kept += Counter(re.findall(HAN, "".join(s.heading or "" for s in result.sections)))
    assert kept == han_of_input(result, raw)


@settings(max_examples=60, deadline=None)
@given(clean_chinese())
def test_clean_chinese_text_is_unchanged(text):
    assert clean_text(text) == text


@settings(max_examples=40, deadline=None)
@given(st.lists(clean_traditional(), min_size=2, max_size=5))
def test_an_undamaged_article_comes_out_as_it_went_in_without_warnings(paragraphs):
    result = parse_article("\n".join(paragraphs) + "\n")
    # Short lines that ask or exclaim may become headings; every line comes out as it went in.
    lines = [
        text
        for section in result.sections
        for text in ([section.heading] if section.heading else []) + [p.text for p in section.paragraphs]
    ]
    assert lines == paragraphs
    assert result.warnings == () and result.script_warnings == ()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z0-9'-]{1,8}[,.;:?!]?", fullmatch=True), min_size=1, max_size=12))
def test_clean_latin_text_is_unchanged(words):
    text = " ".join(words)
    assert clean_text(text) == text


# --- The seed -----------------------------------------------------------------------------------------

HEADINGS = [None, "2023年，大模型完成三級跳", "中國大模型核心競爭力在哪兒？", "人與AI的未來，在變革中共生"]
# (section, paragraph, excerpt as ingested, proposal, applied)
MOJIBAKE_RUNS = [
    (0, 5, "。”", None, True),
    (1, 2, "?!鄙壷亮恕岸倌!?", "模”升級至了“二百模”", False),
    (2, 13, "。”", None, True),
    (2, 18, "。”", None, True),
    (3, 3, "?!闭缤跣〈ㄋf", "。”正如王小川所說", False),
    (3, 11, ",?!彼a", None, False),
    (3, 19, "?qū)⑹且粋€", "、是一個", False),
]


@pytest.fixture(scope="module")
def seed():
    return parse_article(SEED.read_text(encoding="utf-8"))


def unwarned(result):
    """Yield each paragraph's text with the spans under warnings cut out."""
    for s, section in enumerate(result.sections):
        for p, paragraph in enumerate(section.paragraphs):
            text = paragraph.text
            spans = sorted((w.start, w.end) for w in result.warnings if (w.section, w.paragraph) == (s, p))
            for start, end in reversed(spans):
                text = text[:start] + "\n" + text[end:]
            yield text


def test_seed_metadata(seed):
    assert seed.original_source == "光錐智能"
    assert seed.image_credit == "由無界 AI生成"
    assert seed.publisher == "芒果財經"
    assert seed.reprint_url == "http://lequren.com/1081821.html"
    assert seed.disclaimer.startswith("免責聲明：本文來自網絡收錄或投稿，")
    assert seed.disclaimer.endswith("轉載請注明出處：http://lequren.com/1081821.html")
    assert seed.notice == "溫馨提示：投資有風險，入市須謹慎。本資訊不作為投資理財建議。"
    assert seed.language == "zh-Hant"


def test_seed_structure(seed):
    assert [section.heading for section in seed.sections] == HEADINGS
    assert [len(section.paragraphs) for section in seed.sections] == [10, 16, 24, 20]
    captions = [p.text for section in seed.sections for p in section.paragraphs if p.kind == "caption"]
    assert captions == ["（圖源：美區蘋果商店截圖）"]
    assert seed.sections[2].paragraphs[13].text == "“理想上慢一步，落地上快三步。”"


def test_seed_has_no_readings_html_or_ascii_punctuation_left(seed):
    texts = all_text(seed)
    assert not any(READING.search(text) for text in texts)
    assert not any("</p>" in text or "/p>" in text for text in texts)
    for text in unwarned(seed):
        assert not re.search(rf"{HAN}[,;?:!()]|[,;?:!()]{HAN}", text), text


def test_seed_mojibake_runs_are_all_reported_where_they_are(seed):
    found = [
        (w.section, w.paragraph, w.excerpt, w.proposal, w.applied)
        for w in seed.warnings
        if w.kind == "mojibake"
    ]
    assert found == MOJIBAKE_RUNS
    for warning in seed.warnings:
        text = seed.sections[warning.section].paragraphs[warning.paragraph].text
        assert text[warning.start : warning.end] == warning.excerpt


def test_seed_reads_as_the_curated_article_once_the_proposals_are_taken(seed):
    curated = [
        o["fields"]["text"] for o in json.loads(FIXTURE.read_text()) if o["model"] == "articles.paragraph"
    ]
    repaired = []
    for s, section in enumerate(seed.sections):
        for p, paragraph in enumerate(section.paragraphs):
            text = paragraph.text
            for w in sorted(seed.warnings, key=lambda w: -w.start):
                if (w.section, w.paragraph) == (s, p) and w.proposal is not None:
                    text = text[: w.start] + w.proposal + text[w.end :]
            repaired.append(text)
    unrepaired = {i for i, text in enumerate(repaired) if text != curated[i]}
    # Two runs remain for an editor: one dropped a pair and has no proposal; in the other a lost byte
    # leaves a mark and a character to choose between, and the curated reading is the runner-up.
    assert [repaired[i] for i in sorted(unrepaired)] == [
        "“雖然大模型成長速度快于年輕人，但年輕人是快于非年輕人的。在時代變革的時候，年輕人更有機會,?!彼a充道。",
        "2024，或、是一個嶄新的世界。",
    ]
    [lost] = [w for w in seed.warnings if w.excerpt == "?qū)⑹且粋€"]
    assert lost.alternatives[0] == "將是一個"


def test_seed_parse_is_idempotent(seed):
    again = parse_article(render_article(seed))
    assert again.sections == seed.sections
    assert (again.original_source, again.image_credit, again.publisher, again.reprint_url) == (
        seed.original_source,
        seed.image_credit,
        seed.publisher,
        seed.reprint_url,
    )
    assert (again.disclaimer, again.notice) == (seed.disclaimer, seed.notice)


@st.composite
def garbled_lines(draw):
    """A clean line with one stretch garbled as the benchmark's damage generator garbles it."""
    text = draw(clean_chinese())
    start = draw(st.integers(0, max(0, len(text) - 2)))
    garbled = garble(text, start, draw(st.integers(2, 6)), random.Random(draw(st.integers(0, 99))))
    assume(garbled is not None)
    run, end, _lossless = garbled
    return text[:start] + run + text[end:]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(garbled_lines())
def test_a_garbled_line_parses_the_same_twice_and_loses_no_chinese_character(line):
    first = parse_article(line + "\n")
    assert parse_article(render_article(first)).sections == first.sections
    kept = Counter(re.findall(HAN, "".join(all_text(first))))
    kept += Counter(re.findall(HAN, "".join(s.heading or "" for s in first.sections)))
    assert kept == han_of_input(first, line)
