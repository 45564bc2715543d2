"""The search service on the seed article and on small made-up content."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from articles.models import Annotation, Paragraph
from core.variants import HANS, convert
from search.models import SearchDocument
from search.selectors import MAX_LIMIT, search
from search.text import MAX_QUERY_LENGTH, normalise, parse_query
from tests.factories import make_article, make_company, make_person, make_quote, paragraphs, publish

pytestmark = pytest.mark.django_db


def anchors(results, kind="paragraph"):
    return {hit.anchor for hit in results.hits if hit.type == kind}


def seed_anchors_with(article, word):
    """Anchors of the seed paragraphs whose text holds `word` in either script."""
    return {p.anchor for p in paragraphs(article) if normalise(word) in normalise(p.text)}


def hit_keys(results):
    return [(hit.type, hit.anchor or hit.title) for hit in results.hits]


def test_two_character_word_finds_every_seed_paragraph_holding_it(seed_article):
    results = search("算力", types=["paragraph"], limit=100)
    assert seed_anchors_with(seed_article, "算力") == {"p-15", "p-19", "p-27", "p-30", "p-33"}
    assert anchors(results) == {"p-15", "p-19", "p-27", "p-30", "p-33"}
    assert results.total == 5


def test_the_order_is_pinned_so_both_databases_must_agree(seed_article):
    # The suite runs on SQLite and on PostgreSQL: this exact order passing on both is the same result.
    results = search("算力", limit=100)
    # p-30 says 算力 twice; the rest once, in reading order.
    assert [hit.anchor for hit in results.hits] == ["p-30", "p-15", "p-19", "p-27", "p-33"]
    assert [hit.score for hit in results.hits] == [52, 51, 51, 51, 51]


def test_one_character_word_finds_every_paragraph_holding_it(seed_article):
    results = search("算", types=["paragraph"], limit=100)
    assert anchors(results) == seed_anchors_with(seed_article, "算") != set()
    assert results.total == len(seed_anchors_with(seed_article, "算"))


def test_company_and_paragraphs_for_a_two_character_name(seed_article):
    make_company("百川智能", "Baichuan AI", summary="王小川創辦的大模型公司。")
    results = search("百川", limit=100)
    assert results.hits[0].type == "company" and results.hits[0].title == "百川智能"
    assert anchors(results) == seed_anchors_with(seed_article, "百川") == {"p-23", "p-31"}
    assert results.counts == {"company": 1, "paragraph": 2}


def test_either_script_finds_the_traditional_text(seed_article):
    make_company("商湯科技", "SenseTime", aliases=["商湯"])
    traditional, simplified = search("商湯", limit=100), search("商汤", limit=100)
    assert hit_keys(traditional) == hit_keys(simplified)
    assert anchors(simplified) == {"p-12", "p-20"}
    assert [hit.title for hit in simplified.hits if hit.type == "company"] == ["商湯科技"]
    paragraph_hit = next(hit for hit in simplified.hits if hit.type == "paragraph")
    # The snippet stays in the script the text was written in.
    assert "<mark>商湯</mark>" in paragraph_hit.snippet_html
    assert "<mark>" not in paragraph_hit.snippet_text and "商湯" in paragraph_hit.snippet_text


def test_simplified_query_finds_traditional_alias(seed_article):
    make_company("字節跳動", "ByteDance", aliases=["字節"])
    results = search("字节", limit=100)
    assert [hit.title for hit in results.hits if hit.type == "company"] == ["字節跳動"]
    assert anchors(results) == seed_anchors_with(seed_article, "字節") != set()


def test_latin_words_match_case_insensitively_as_prefixes(seed_article):
    expected = seed_anchors_with(seed_article, "OpenAI")
    assert expected
    for query in ["OpenAI", "openai", "OPENAI", "Open", "ＯｐｅｎＡＩ"]:
        assert anchors(search(query, limit=100)) == expected, query


def test_latin_query_does_not_match_inside_a_word(seed_article):
    assert search("penAI").total == 0


def test_mixed_latin_and_chinese_query_needs_both(seed_article):
    assert anchors(search("OpenAI 算力", limit=100)) == {"p-33"}
    article = make_article("訓練GPT-4需要巨大的算力。", "GPT-4發佈了。", "國內算力短缺。")
    found = search("GPT-4 算力", limit=100)
    first = paragraphs(article)[0]
    assert [hit.url for hit in found.hits] == [f"{article.get_absolute_url()}#{first.anchor}"]


def test_paragraph_hit_links_to_its_anchor(seed_article):
    hit = search("算力").hits[0]
    assert hit.type == "paragraph"
    assert hit.url == f"{seed_article.get_absolute_url()}#{hit.anchor}"
    assert hit.title.startswith(seed_article.title)


def test_exact_phrase_ranks_before_scattered_bigrams(db):
    scattered = make_article("大模特兒走上台，手裡拿著模型。")
    exact = make_article("大模型的競爭。")
    results = search("大模型")
    assert [hit.url.split("#")[0] for hit in results.hits] == [
        exact.get_absolute_url(),
        scattered.get_absolute_url(),
    ]
    assert results.hits[0].score > results.hits[1].score


def test_people_and_quotes_are_found_by_name_and_words(db):
    article = make_article("王小川說：理想上慢一步，落地上快三步。")
    speaker = make_person("王小川", "Wang Xiaochuan", bio="百川智能創始人。")
    make_quote(paragraphs(article)[0], "理想上慢一步，落地上快三步。", speaker)
    by_name = search("王小川", limit=100)
    assert [hit.type for hit in by_name.hits] == ["person", "quote", "paragraph"]
    by_words = search("落地", types=["quote"])
    assert [hit.title for hit in by_words.hits] == ["王小川"]
    assert by_words.hits[0].url == f"{article.get_absolute_url()}#{paragraphs(article)[0].anchor}"
    assert search("Wang").counts == {"person": 1}


def test_types_limit_and_offset_page_through_the_results(seed_article):
    everything = search("大模型", limit=MAX_LIMIT)
    assert everything.total > 10
    pages = [search("大模型", limit=4, offset=offset) for offset in range(0, everything.total, 4)]
    assert [h.url for page in pages for h in page.hits] == [h.url for h in everything.hits]
    assert pages[0].has_next and not pages[0].has_previous and not pages[-1].has_next
    assert search("大模型", limit=1000).limit == MAX_LIMIT
    assert search("大模型", types=["company"]).total == 0
    assert search("大模型", types=["company"]).counts == everything.counts
    with pytest.raises(ValueError, match="Unknown search types"):
        search("大模型", types=["annotation"])


def test_grouped_order_puts_types_together(db):
    make_article("百川的模型。", "百川又發佈了模型。")
    make_company("百川智能", summary="模型公司")
    grouped = search("模型", grouped=True, limit=100)
    assert [hit.type for hit in grouped.hits] == ["company", "paragraph", "paragraph"]


def test_internal_annotations_are_never_searched(seed_article):
    Annotation.objects.create(
        article=seed_article,
        paragraph=paragraphs(seed_article)[0],
        body="內部備註：核對機密詞彙",
        visibility="internal",
    )
    assert search("機密詞彙").total == 0


@pytest.mark.parametrize(
    "query",
    [
        "'",
        '"',
        "%",
        "_",
        "*",
        "'\"%_*",
        "NEAR(算力",
        "算力 AND",
        "OR",
        '"算力',
        "a'b",
        "\\",
        "-",
        "^算力",
        "算力)",
        "\x00",
        "😀",
        "1=1;--",
        "%算%",
    ],
)
def test_odd_characters_and_search_syntax_are_plain_text(db, query):
    make_article("算力的%與_，還有'引號'和\"雙引號\"，NEAR(算力) AND OR 1=1;-- a'b")
    results = search(query, limit=100)
    assert results.total == len(results.hits)
    if parse_query(query):
        assert results.total == 1


def test_search_syntax_words_are_searched_as_words(db):
    article = make_article("Near the end and or not.")
    assert search("NEAR(").total == 1
    assert search('"and"').hits[0].url.startswith(article.get_absolute_url())


def test_too_long_query_is_cut_not_refused(db):
    results = search("算力" * MAX_QUERY_LENGTH)
    assert results.truncated
    assert len(results.query) == MAX_QUERY_LENGTH


def test_query_without_words_finds_nothing_without_asking_the_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = search("，。！")
    assert results.total == 0 and results.hits == []


@pytest.mark.parametrize("paragraph_count", [3, 60])
def test_search_takes_two_queries_whatever_the_size(db, django_assert_num_queries, paragraph_count):
    make_article(*[f"第{n}段談算力與OpenAI。" for n in range(paragraph_count)])
    make_company("算力公司", summary="算力")
    with django_assert_num_queries(2):
        results = search("算力", limit=50)
    assert results.total == paragraph_count + 1


def test_landscape_fixture_companies_are_found_by_alias(seed):
    results = search("商汤", types=["company"])
    assert [hit.title for hit in results.hits] == ["商湯科技"]
    assert search("Baichuan", types=["company"]).hits[0].title == "百川智能"
    assert search("OpenAI 算力", types=["quote"]).total >= 1


HAN = "商湯字節跳動算力百川智能大模型華為騰訊阿里巴巴訓練數據應用創業"


@settings(max_examples=25, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(HAN + "GPT-4，。 "), min_size=1, max_size=30),
    data=st.data(),
)
def test_every_short_cjk_substring_of_a_paragraph_is_found_through_the_index(text, data):
    article = make_article(text)
    paragraph = paragraphs(article)[0]
    start = data.draw(st.integers(0, len(text) - 1))
    fragment = text[start : start + data.draw(st.sampled_from([1, 2]))]
    assume(all(ch in HAN for ch in fragment))
    for query in (fragment, convert(fragment, HANS)):
        matched = SearchDocument.objects.matching(parse_query(query)).visible()
        assert matched.filter(kind="paragraph", object_id=paragraph.pk).exists(), (text, query)


def test_quote_is_found_by_its_words_and_speaker_and_shows_the_role(db):
    article = make_article("他說：落地上快三步。")
    speaker = make_person("王小川")
    quote = make_quote(paragraphs(article)[0], "落地上快三步。", speaker)
    quote.speaker_role = "百川智能創始人"
    quote.occasion = "2023騰訊ConTech大會"
    quote.save()
    hit = search("王小川", types=["quote"]).hits[0]
    assert hit.snippet_text == "“落地上快三步。”——王小川，百川智能創始人，2023騰訊ConTech大會"
    assert search("百川", types=["quote"]).total == 0


def test_paragraph_hits_name_the_section_they_stand_in(seed_article):
    hits = [hit for hit in search("算力", types=["paragraph"], limit=50).hits]
    titles = {hit.anchor: hit.title for hit in hits}
    assert titles["p-30"].endswith("｜中國大模型核心競爭力在哪兒？")
    assert titles["p-30"].startswith("ChatGPT問世一年")


def test_renaming_a_section_renames_its_hits(seed_article):
    section = Paragraph.objects.get(anchor="p-30").section
    section.heading = "核心競爭力"
    section.save()
    publish(section.article)
    hit = next(hit for hit in search("算力", types=["paragraph"], limit=50).hits if hit.anchor == "p-30")
    assert hit.title.endswith("｜核心競爭力")
