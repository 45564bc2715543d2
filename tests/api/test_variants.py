"""The shared script conversion service: what it converts, and that offsets survive conversion."""

import json
import subprocess
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import variants
from core.variants import HANS, HANT, convert, convert_spans

SEED_SENTENCE = "復旦大學計算機學院教授、Moss系統負責人邱錫鵬在2023騰訊ConTech大會上總結道。"

# Characters from the blocks OpenCC converts, mixed with Latin text, digits and punctuation.
chinese_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("，。、「」“”（）0123456789 ABCxyz\n里裏乾干發髮后後面麵"),
    ),
    max_size=80,
)


def test_converts_traditional_to_simplified_and_back():
    simplified = "复旦大学计算机学院教授、Moss系统负责人邱锡鹏在2023腾讯ConTech大会上总结道。"
    assert convert(SEED_SENTENCE, HANS) == simplified
    assert convert("中国大模型的机会在应用", HANT) == "中國大模型的機會在應用"


def test_no_variant_leaves_text_alone():
    assert convert(SEED_SENTENCE, None) == SEED_SENTENCE
    assert convert(SEED_SENTENCE, "") == SEED_SENTENCE


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="zh-hans"):
        convert("中國", "zh-tw")


def test_phrase_context_chooses_the_character():
    # A character-by-character table could not tell these apart; the phrase dictionaries do.
    assert convert("头发", HANT) == "頭髮"
    assert convert("发展", HANT) == "發展"


def test_lone_surrogates_pass_through_and_the_rest_converts():
    assert convert("中國\ud800國家", HANS) == "中国\ud800国家"


@settings(max_examples=200, deadline=None)
@given(text=chinese_text, variant=st.sampled_from([HANS, HANT]))
def test_conversion_keeps_the_length(text, variant):
    assert len(convert(text, variant)) == len(text)


def _dictionary_files(config_name: str) -> list[str]:
    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    config = json.loads((share / f"{config_name}.json").read_text())

    def files(node):
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                yield share / node["file"]
            for value in node.values():
                yield from files(value)
        elif isinstance(node, list):
            for value in node:
                yield from files(value)

    return sorted(set(files(config)))


@pytest.mark.parametrize("config_name", ["s2t", "t2s"])
def test_every_shipped_dictionary_entry_keeps_its_length(config_name, tmp_path):
    """Check the rule offsets rely on: each phrase converts to a phrase of as many characters."""
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    if not tool.exists():
        pytest.skip("this opencc build ships no opencc_dict tool to read its dictionaries")
    checked = 0
    for dictionary in _dictionary_files(config_name):
        exported = tmp_path / f"{dictionary.stem}.txt"
        subprocess.run(
            [tool, "-i", dictionary, "-o", exported, "-f", "ocd2", "-t", "text"],
            check=True,
            capture_output=True,
        )
        for line in exported.read_text(encoding="utf-8").splitlines():
            source, targets = line.split("\t", 1)
            assert len(targets.split(" ")[0]) == len(source), line
            checked += 1
    assert checked > 1000


def test_spans_keep_their_offsets_when_lengths_do_not_change():
    text, spans = convert_spans(SEED_SENTENCE, [(21, 24), (12, 18)], HANS)
    assert text[21:24] == "邱锡鹏"
    assert text[12:18] == "Moss系统"
    assert spans == [(21, 24), (12, 18)]


def test_spans_are_moved_when_a_conversion_changes_the_length(monkeypatch):
    class Stretching:
        """Stand in for a dictionary that turns one character into two."""

        def convert(self, text):
            return text.replace("國", "国国")

    monkeypatch.setattr(variants, "_converter", lambda config: Stretching())
    text, spans = convert_spans("中國大模型，國內", [(2, 5), (6, 8), (0, 0)], HANS)
    assert text == "中国国大模型，国国內"
    assert text[3:6] == "大模型"
    assert spans == [(3, 6), (7, 10), (0, 0)]
    assert text[7:10] == "国国內"
