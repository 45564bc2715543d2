"""Telling shifted GBK bytes and UTF-8-read-as-GBK from Chinese (articles.mojibake, pure)."""

import pytest

from articles.mojibake import chinese_model, earlier_reading, shift_evidence, utf8_read_as_gbk


def test_the_model_knows_common_characters_and_words_from_rare_ones():
    model = chinese_model()
    assert model.char("的") > model.char("模") > model.char("瀷")
    assert model.is_word_pair("模", "型") and model.is_word_pair("公", "司")
    assert model.is_word_pair("賴", "於")  # Traditional text is looked up in Simplified
    assert not model.is_word_pair("型", "瀷")


def test_the_earlier_reading_gives_back_the_inner_characters():
    # 會有新的公司起來。”正如王小川所說, as the seed has it: ?!闭缤跣〈ㄋf
    assert earlier_reading("!闭缤跣〈ㄋ") == "”甄王小川"  # 正 lost its lead byte, 所 its trail


@pytest.mark.parametrize(
    "body",
    [
        "!闭缤跣〈ㄋ",  # 。”正如王小川所 (the seed)
        "踩猛蹲收叱渎",  # 也让投资者充满
        "悄芷笠涤τ",  # 智能企业应用
        "揽萍",  # 汤科技
    ],
)
def test_shifted_bytes_read_far_better_one_byte_earlier(body):
    assert shift_evidence(body) > 0.5


@pytest.mark.parametrize(
    "chinese", ["有哪些具體而又深刻的影響", "人工智能究竟如何改變了人類社會", "台積電擴產先進製程"]
)
def test_chinese_does_not_read_better_one_byte_earlier(chinese):
    assert shift_evidence(chinese) < 0.5


def test_utf8_read_as_gbk_is_found_with_what_its_bytes_prove():
    line = "他說妯″瀷很好，甯傚満瑙勬ā很大。"
    assert utf8_read_as_gbk(line) == [(2, 5, "模型"), (8, 14, "市场规模")]


@pytest.mark.parametrize(
    "clean", ["這是一個模型的問題。", "市场规模达到1858亿元。", "瓦列里·福金獲得了維佐夫獎。", "妯娌之間"]
)
def test_clean_text_is_not_taken_for_utf8_read_as_gbk(clean):
    assert utf8_read_as_gbk(clean) == []


def test_the_word_model_prefers_the_split_into_common_words():
    model = chinese_model()
    assert model.segmentation("香港民众接受") > model.segmentation("香港民在接受")
    assert model.segmentation("来信。发布会") > model.segmentation("来信。分布会")
    assert model.segmentation("執法部門施壓") > model.segmentation("執法部號施選")  # looked up in Simplified


def test_the_lexicon_knows_which_character_continues_a_word():
    model = chinese_model()
    inside, ends = model.within_word("质", "问")
    assert inside > 0 and model.within_word("质", "为")[0] == 0
    assert 0 < ends <= 1
    assert model.within_word("。", "的") == (0.0, 1.0)  # a mark ends its word
