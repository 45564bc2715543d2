import re

from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from core.rendering import Span, render_paragraph
from core.spans import render_spans

TEXT = "邱錫鵬在2023騰訊ConTech大會上總結道。"


def strip_tags(html: str) -> str:
    return re.sub(r"<rt>.*?</rt>|<[^>]+>", "", html)


def test_plain_text_is_escaped():
    assert render_paragraph("AI <b>&</b> 模型") == "AI &lt;b&gt;&amp;&lt;/b&gt; 模型"


def test_nested_spans_stay_nested():
    spans = [Span(0, 3, "mark", (("data-note", "a"),)), Span(0, 3, "a", (("href", "/people/qiu/"),))]
    html = render_paragraph(TEXT, spans)
    assert html.startswith('<mark data-note="a"><a href="/people/qiu/">邱錫鵬</a></mark>在')


def test_crossing_spans_are_split_and_well_formed():
    html = render_paragraph("一二三四五", [Span(0, 3, "mark"), Span(2, 5, "a", (("href", "#x"),))])
    assert html == '<mark>一二<a href="#x">三</a></mark><a href="#x">四五</a>'


def test_attribute_values_are_escaped():
    html = render_paragraph("一二", [Span(0, 1, "a", (("title", '"><script>'),))])
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html


def test_attribute_values_already_html_are_not_escaped_twice():
    html = render_paragraph("一二", [Span(0, 1, "a", (("href", mark_safe("/?a=1&amp;b=2")),))])
    assert html == '<a href="/?a=1&amp;b=2">一</a>二'


def test_pages_and_snippets_share_one_renderer():
    spans = [Span(0, 3, "mark"), Span(2, 5, "a", (("href", "#x"),))]
    html = render_paragraph("一<三>五", spans)
    assert isinstance(html, SafeString)
    assert (
        html
        == render_spans("一<三>五", spans)
        == '<mark>一&lt;<a href="#x">三</a></mark><a href="#x">&gt;五</a>'
    )


def test_spans_outside_the_text_are_ignored():
    assert render_paragraph("一二", [Span(1, 9, "mark"), Span(2, 2, "mark")]) == "一二"


def test_conversion_keeps_span_positions():
    html = render_paragraph(TEXT, [Span(4, 8, "mark")], convert=lambda s: s.replace("騰訊", "腾讯"))
    assert "<mark>2023</mark>腾讯" in html


def test_pinyin_uses_phrase_readings_over_traditional_text():
    html = render_paragraph("銀行行長", pinyin=True)
    readings = re.findall(r"<rt>(.*?)</rt>", html)
    assert readings == ["yín", "háng", "háng", "zhǎng"]
    assert strip_tags(html) == "銀行行長"


def test_pinyin_leaves_latin_and_punctuation_bare():
    html = render_paragraph("用GPT-4，好。", pinyin=True)
    assert html.count("<ruby>") == 2
    assert "GPT-4，" in html


@given(
    st.text(alphabet="大模型AI，。<&>", max_size=30),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=5),
)
def test_rendering_never_loses_or_reorders_text(text, bounds):
    spans = [Span(min(a, b), max(a, b), "mark") for a, b in bounds]
    html = render_paragraph(text, spans)
    unescaped = strip_tags(html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == text
    assert html.count("<mark>") == html.count("</mark>")
