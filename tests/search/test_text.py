"""The tokeniser, query parser and snippet maker, on plain strings."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.variants import HANS, convert
from search.text import MAX_QUERY_LENGTH, document_tokens, normalise, parse_query, snippet


def test_normalise_folds_script_width_and_case_without_changing_length():
    for text in ["商湯科技", "字節跳動ＯｐｅｎＡＩ", "GPT-4 與 算力", "㈱ﬁ"]:
        assert len(normalise(text)) == len(text)
    assert normalise("商湯") == normalise("商汤") == "商汤"
    assert normalise("字節") == normalise("字节")
    assert normalise("ＯｐｅｎＡＩ") == normalise("OpenAI") == "openai"


def test_cjk_runs_give_unigrams_and_bigrams_and_latin_runs_give_lowercased_words():
    assert document_tokens("大模型").split() == ["大", "模", "型", "大模", "模型"]
    tokens = document_tokens("訓練GPT-4要2.5萬塊，算力").split()
    assert {"gpt", "4", "2", "5", "训练", "算力", "万块"} <= set(tokens)
    # Pairs never straddle Latin text or punctuation.
    assert "练g" not in tokens and "块算" not in tokens
    assert all(token == token.lower() for token in tokens)


def test_tokens_are_unique_and_hold_no_ascii_punctuation():
    tokens = document_tokens('算力、算力 "OpenAI" openai_gpt (GPT) a*b NEAR(x)').split()
    assert len(tokens) == len(set(tokens))
    assert not any(set(token) & set(string.punctuation) for token in tokens)


def test_query_tokens_one_cjk_character_is_a_unigram_longer_runs_are_bigrams_words_are_prefixes():
    assert parse_query("算").tokens == (("算", False),)
    assert parse_query("算力").tokens == (("算力", False),)
    assert parse_query("百川智能").tokens == (("百川", False), ("川智", False), ("智能", False))
    assert parse_query("OpenAI").tokens == (("openai", True),)
    assert parse_query("GPT-4 算力").tokens == (("gpt", True), ("4", True), ("算力", False))


def test_query_in_traditional_and_simplified_script_gives_the_same_tokens():
    pairs = [("商湯", "商汤"), ("字節", "字节"), ("算力", "算力"), ("百川智能", "百川智能")]
    for traditional, simplified in pairs:
        assert parse_query(traditional).tokens == parse_query(simplified).tokens


@pytest.mark.parametrize(
    "raw,fts5,tsquery",
    [
        ('"NEAR(', '"near"*', "'near':*"),
        ("AND OR NOT", '"and"* AND "or"* AND "not"*', "'and':* & 'or':* & 'not':*"),
        ("算力*", '"算力"', "'算力'"),
    ],
)
def test_query_syntax_is_always_quoted_text(raw, fts5, tsquery):
    parsed = parse_query(raw)
    assert parsed.fts5() == fts5
    assert parsed.tsquery() == tsquery


@pytest.mark.parametrize("raw", ["", "   ", "'\"%_*", "（）！？", "\x00\x1f", "\ud800"])
def test_query_without_words_has_no_tokens(raw):
    parsed = parse_query(raw)
    assert not parsed
    assert "\x00" not in parsed.phrase and "\ud800" not in parsed.phrase


def test_long_query_is_cut_and_says_so():
    parsed = parse_query("算" * (MAX_QUERY_LENGTH + 50))
    assert parsed.truncated
    assert len(parsed.raw) == MAX_QUERY_LENGTH
    assert not parse_query("算力").truncated


def test_many_tokens_are_capped():
    distinct = "商湯字節跳動算力百川智能大模型華為騰訊阿里巴訓練數據應用創業國內開發與了們這會個"
    parsed = parse_query(" ".join(distinct))
    assert len(parsed.raw) < MAX_QUERY_LENGTH
    assert parsed.truncated and len(parsed.tokens) == 32


def test_snippet_marks_matches_in_the_original_script_and_escapes_html():
    cut = snippet("<b>商湯</b>的日日新與OpenAI", parse_query("商汤 open"))
    assert cut.html == "&lt;b&gt;<mark>商湯</mark>&lt;/b&gt;的日日新與<mark>OpenAI</mark>"
    assert cut.text == "<b>商湯</b>的日日新與OpenAI"


def test_snippet_marks_each_bigram_when_the_run_is_not_contiguous():
    cut = snippet("大模特兒與模型", parse_query("大模型"))
    assert cut.html == "<mark>大模</mark>特兒與<mark>模型</mark>"


def test_snippet_of_a_long_text_is_a_window_around_the_first_match():
    text = "甲" * 300 + "算力" + "乙" * 300
    cut = snippet(text, parse_query("算力"), width=120)
    assert cut.text.startswith("…") and cut.text.endswith("…")
    assert "<mark>算力</mark>" in cut.html
    assert len(cut.text) == 122


def test_a_latin_prefix_matches_only_at_the_start_of_a_word():
    assert snippet("OpenAI 與 ChatGPT", parse_query("gpt")).html == "OpenAI 與 ChatGPT"
    assert snippet("GPT-4", parse_query("gpt")).html == "<mark>GPT</mark>-4"


# Characters of the seed article's kind: Traditional ones, some with Simplified forms, some without.
HAN = "商湯字節跳動算力百川智能大模型華為騰訊阿里巴巴訓練數據應用創業國內開發與為了們這會個"
texts = st.text(alphabet=st.sampled_from(HAN + "ABCgpt-4，。 "), min_size=1, max_size=40)


def _cjk(text: str) -> bool:
    return all(ch in HAN for ch in text)


@given(text=texts, data=st.data())
def test_every_cjk_substring_of_one_or_two_characters_is_findable(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.sampled_from([1, 2]))
    fragment = text[start : start + length]
    if not fragment or not _cjk(fragment):
        return
    indexed = set(document_tokens(text).split())
    for query in (fragment, convert(fragment, HANS)):
        parsed = parse_query(query)
        assert parsed, query
        assert {token for token, _ in parsed.tokens} <= indexed


@given(text=texts, data=st.data())
def test_every_longer_cjk_substring_needs_only_tokens_the_text_has(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    fragment = text[start : start + data.draw(st.integers(3, 10))]
    if not _cjk(fragment):
        return
    indexed = set(document_tokens(text).split())
    assert {token for token, _ in parse_query(convert(fragment, HANS)).tokens} <= indexed


@given(text=st.text(max_size=200))
def test_normalising_keeps_length_and_tokenising_never_fails(text):
    assert len(normalise(text)) == len(text)
    for token in document_tokens(text).split():
        assert token.strip() == token and token
    snippet(text, parse_query(text[:20]))
