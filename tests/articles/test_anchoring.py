import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from articles.anchoring import CONTEXT_LENGTH, Selector, make_selector, reanchor

TEXT = (
    "復旦大學的邱錫鵬教授團隊發布了MOSS，這是國內第一個對話式大語言模型。"
    "之後，百度發布了文心一言，阿里發布了通義千問，大模型的競爭從此開始。"
)


def select(text: str, quote: str, occurrence: int = 0) -> Selector:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return make_selector(text, start, start + len(quote))


def test_make_selector_keeps_quote_context_and_positions():
    selector = select(TEXT, "邱錫鵬")
    assert selector.exact == "邱錫鵬"
    assert selector.prefix == "復旦大學的"
    assert selector.suffix == TEXT[8 : 8 + CONTEXT_LENGTH]
    assert (selector.start, selector.end) == (5, 8)


def test_make_selector_refuses_a_span_outside_the_text():
    with pytest.raises(ValueError):
        make_selector("abc", 2, 5)
    with pytest.raises(ValueError):
        make_selector("abc", 2, 1)


def test_unchanged_text_keeps_the_span():
    selector = select(TEXT, "文心一言")
    assert reanchor(selector, TEXT) == selector


def test_insertion_before_the_span_shifts_it():
    selector = select(TEXT, "文心一言")
    new_text = "據報道，" + TEXT
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.exact == "文心一言"
    assert (moved.start, moved.end) == (selector.start + 4, selector.end + 4)
    assert new_text[moved.start : moved.end] == "文心一言"


def test_insertion_after_the_span_keeps_it():
    selector = select(TEXT, "文心一言")
    moved = reanchor(selector, TEXT + "（補充說明）")
    assert moved is not None
    assert (moved.start, moved.end) == (selector.start, selector.end)


def test_insertion_inside_the_span_widens_it():
    selector = select(TEXT, "百度發布了文心一言")
    new_text = TEXT.replace("百度發布了文心一言", "百度在北京發布了文心一言")
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.exact == "百度在北京發布了文心一言"
    assert new_text[moved.start : moved.end] == moved.exact


def test_deletion_before_the_span_shifts_it():
    selector = select(TEXT, "通義千問")
    new_text = TEXT.replace("之後，", "")
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.exact == "通義千問"
    assert moved.start == selector.start - 3


def test_deletion_of_part_of_the_span_keeps_the_rest():
    selector = select(TEXT, "國內第一個對話式大語言模型")
    new_text = TEXT.replace("對話式", "")
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.exact == "國內第一個大語言模型"


def test_deleting_the_quoted_text_orphans_it():
    selector = select(TEXT, "阿里發布了通義千問，")
    assert reanchor(selector, TEXT.replace("阿里發布了通義千問，", "")) is None


def test_rewriting_the_whole_text_orphans_it():
    selector = select(TEXT, "邱錫鵬教授")
    assert reanchor(selector, "今天天氣很好，我們去公園散步吧。") is None


def test_changed_quote_is_found_by_similarity():
    selector = select(TEXT, "這是國內第一個對話式大語言模型")
    new_text = TEXT.replace("這是國內第一個對話式大語言模型", "這是中國第一個對話式大型語言模型")
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.exact == "這是中國第一個對話式大型語言模型"


def test_quote_rewritten_in_place_follows_its_unchanged_context():
    garbled = "從“一百?!鄙壷亮恕岸倌!?。"
    text = f"短短八個月，國內的大模型數量{garbled}到了年底，競爭更加激烈。"
    selector = select(text, garbled)
    repaired = text.replace(garbled, "從“一百模”升級至了“二百模”。")
    moved = reanchor(selector, repaired)
    assert moved is not None
    assert moved.exact == "從“一百模”升級至了“二百模”。"


def test_repeated_quote_prefers_the_occurrence_with_the_same_context():
    text = "大模型很熱。投資人說大模型是未來，創業者說大模型是泡沫。"
    selector = select(text, "大模型", occurrence=2)
    new_text = "今年，大模型很熱。投資人說大模型是未來，創業者說大模型是泡沫。"
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.prefix.endswith("創業者說")


def test_empty_quote_marks_the_whole_paragraph_and_survives():
    selector = make_selector(TEXT, 3, 3)
    moved = reanchor(selector, "短")
    assert moved is not None
    assert (moved.start, moved.end, moved.exact) == (1, 1, "")


def test_code_points_not_utf16_units():
    text = "𠮷野家的大模型"  # the first character lies outside the Basic Multilingual Plane
    selector = select(text, "大模型")
    assert (selector.start, selector.end) == (4, 7)


chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40), min_size=0, max_size=60)
chinese_nonempty = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40), min_size=1, max_size=20
)


@given(text=st.text(min_size=1, max_size=200), data=st.data())
def test_unchanged_text_reanchors_to_the_same_place(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    selector = make_selector(text, start, end)
    assert reanchor(selector, text) == selector


@given(before=chinese, quote=chinese_nonempty, after=chinese, insert=chinese_nonempty, data=st.data())
def test_inserting_outside_the_span_keeps_the_quote(before, quote, after, insert, data):
    text = before + quote + after
    selector = make_selector(text, len(before), len(before) + len(quote))
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(before)))
        new_text = text[:at] + insert + text[at:]
    else:
        at = data.draw(st.integers(len(before) + len(quote), len(text)))
        new_text = text[:at] + insert + text[at:]
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.exact == quote
    assert new_text[moved.start : moved.end] == quote


@given(before=chinese, quote=chinese_nonempty, after=chinese, insert=chinese_nonempty)
def test_inserting_before_a_unique_quote_shifts_it_by_the_insertion(before, quote, after, insert):
    text = before + quote + after
    new_text = insert + text
    assume(new_text.count(quote) == 1)
    selector = make_selector(text, len(before), len(before) + len(quote))
    moved = reanchor(selector, new_text)
    assert moved is not None
    assert moved.start == selector.start + len(insert)


@given(text=st.text(max_size=120), new_text=st.text(max_size=120), data=st.data())
def test_reanchor_returns_a_span_inside_the_new_text_or_none(text, new_text, data):
    assume(text)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    moved = reanchor(make_selector(text, start, end), new_text)
    if moved is not None:
        assert 0 <= moved.start < moved.end <= len(new_text)
        assert new_text[moved.start : moved.end] == moved.exact
