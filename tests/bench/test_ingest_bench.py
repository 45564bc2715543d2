"""The ingest benchmark: reproducible damage, a scorer that notices misses, and the figures it holds."""

from articles.textpipeline import parse_article
from bench.ingest.damage import load_corpus, make_case, make_cases
from bench.ingest.score import Tally, score_case


def test_the_corpus_records_where_every_article_came_from():
    articles = load_corpus()
    assert len(articles) >= 12
    assert {article["script"] for article in articles} == {"zh-Hans", "zh-Hant"}
    for article in articles:
        assert article["repo"].count("/") == 1 and article["path"] and len(article["commit"]) == 40
        assert article["blocks"]


def test_a_case_is_reproducible_from_its_article_seed_and_variant():
    article = load_corpus()[0]
    assert make_case(article, 3, "damaged").raw == make_case(article, 3, "damaged").raw
    assert make_case(article, 3, "damaged").raw != make_case(article, 4, "damaged").raw


def test_the_damaged_variant_carries_every_kind_of_damage():
    raw = "".join(case.raw for case in make_cases(range(1, 4)) if case.variant != "undamaged")
    spans = [s.kind for case in make_cases(range(1, 4)) for p in case.paragraphs for s in p.spans]
    assert {"mojibake", "utf8-gbk", "script"} <= set(spans)
    for mark in ("?!?/p>", "</p>", ",,", ",。", "(", " ,,", "https://example.com"):
        assert mark in raw


def test_the_undamaged_variant_is_the_article_as_published():
    article = load_corpus()[0]
    case = make_case(article, 0, "undamaged")
    assert case.raw.splitlines() == [text for _kind, text in article["blocks"]]


def test_the_scorer_counts_a_paragraph_that_ingest_got_wrong():
    case = make_case(load_corpus()[0], 1, "damaged")
    tally = Tally()
    score_case(case, parse_article(case.raw.replace("，", "")), tally)
    hits, total = tally.ratio("paragraphs exact outside runs")
    assert hits < total


def test_the_pipeline_holds_its_figures_on_one_seed():
    tally = Tally()
    for case in make_cases(range(1, 2)):
        score_case(case, parse_article(case.raw), tally)

    def share(figure):
        hits, total = tally.ratio(figure)
        return hits / total

    assert share("undamaged warnings") == share("undamaged unchanged") == 1
    assert share("legit ASCII preserved") == share("tails closed right") == 1
    assert share("headings") == 1
    assert share("paragraphs exact outside runs") >= 0.97
    assert share("runs flagged (exact boundaries)") >= 0.9
    assert share("UTF-8-as-GBK repaired") >= 0.9
    assert share("script warnings (OpenCC proposal)") >= 0.85


def test_the_held_out_articles_are_kept_apart_and_scored_on_their_own():
    dev, held_out = load_corpus("dev"), load_corpus("held-out")
    assert len(held_out) >= 3 and {a["script"] for a in held_out} == {"zh-Hans", "zh-Hant"}
    assert not {a["file"] for a in dev} & {a["file"] for a in held_out}
    assert len(dev) + len(held_out) == len(load_corpus())
    names = {case.name.split("/")[0] for case in make_cases(range(1, 2), "held-out")}
    assert names == {a["file"].removesuffix(".txt") for a in held_out}
