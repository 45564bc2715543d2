from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from landscape.matching import NameMatcher, unambiguous_names


def spans(matcher, text, **kwargs):
    return [(m.text, m.key) for m in matcher.find(text, **kwargs)]


def test_longest_name_wins_where_two_start_together():
    matcher = NameMatcher({"字節": "bytedance", "字節跳動": "bytedance-full"})
    assert spans(matcher, "正如曾經字節跳動給BAT的震動，超越字節") == [
        ("字節跳動", "bytedance-full"),
        ("字節", "bytedance"),
    ]


def test_alias_inside_a_longer_name_is_not_matched_again():
    matcher = NameMatcher({"阿里": "alibaba", "阿里巴巴": "alibaba", "清華": "thu", "清華大學": "thu"})
    found = matcher.find("阿里巴巴、清華大學和清華系")
    assert [(m.start, m.end) for m in found] == [(0, 4), (5, 9), (10, 12)]


def test_latin_names_match_only_whole_tokens():
    matcher = NameMatcher({"AI": "ai", "360": "qihoo", "Pi": "inflection"})
    assert spans(matcher, "AI1.0時代的科技公司") == []
    assert spans(matcher, "Pinyin 與 Pixel 與 API") == []
    assert spans(matcher, "3600萬與1360") == []
    assert spans(matcher, "字節、360、商湯；Pi有1336個評價；無界 AI生成") == [
        ("360", "qihoo"),
        ("Pi", "inflection"),
        ("AI", "ai"),
    ]


def test_a_longer_latin_name_that_fails_its_boundary_falls_back_to_a_shorter_one():
    matcher = NameMatcher({"Character AI": "cai", "Character": "c"})
    assert spans(matcher, "Character AIs 與 Character") == [("Character", "c"), ("Character", "c")]


def test_spans_to_avoid_are_skipped():
    matcher = NameMatcher({"騰訊": "tencent"})
    found = matcher.find("在2023騰訊ConTech大會，騰訊", avoid=[(5, 7)])
    assert [(m.start, m.end) for m in found] == [(17, 19)]


def test_names_shared_by_two_entities_are_left_out():
    names, ambiguous = unambiguous_names([("MOSS", 1), ("MOSS", 2), ("復旦", 1), ("", 3), ("復旦", 1)])
    assert names == {"復旦": 1}
    assert ambiguous == {"MOSS"}


name = st.text(alphabet="字節跳動阿里巴AIPi3 6", min_size=1, max_size=5).filter(str.strip)


@given(
    names=st.lists(name, min_size=1, max_size=8, unique=True),
    text=st.text(alphabet="字節跳動阿里巴AIPi3 6，", max_size=60),
)
def test_matches_never_overlap_and_always_cover_a_name(names, text):
    matcher = NameMatcher({n: n for n in names})
    found = matcher.find(text)
    for match in found:
        assert text[match.start : match.end] == match.text == match.key
    for earlier, later in pairwise(found):
        assert earlier.end <= later.start
