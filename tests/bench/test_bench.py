"""The benchmark: the scale generator makes what readers see, the results add up, the stack starts."""

import math
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Annotation, Article, Paragraph
from articles.publication import article_content, version_published
from bench import load, scale
from bench.illustrate import ILLUSTRATED, illustrate
from bench.results import (
    Run,
    baseline_for,
    front_of,
    percentile,
    rotations,
    summarise,
    table,
    weighted_points,
)
from bench.run import chosen, default_json, parse
from bench.scale import SLUG_PREFIX, ScaleSpec, State, generate_scale, scale_ready, scale_state
from bench.stack import Stack
from bench.summarise import markdown, queries_side_by_side
from landscape.models import Mention, Quote
from search.models import SearchDocument

TINY = ScaleSpec(articles=5, paragraphs=40, quotes=20, annotations=40, mentions=10, seed=7)


@pytest.fixture
def generated(seed):
    report = generate_scale(TINY)
    return report, Article.objects.filter(slug__startswith=SLUG_PREFIX).order_by("slug")


def test_generator_makes_the_rows_it_was_asked_for(generated):
    report, articles = generated
    assert report["counts"] == {
        "articles": 5,
        "paragraphs": 40,
        "quotes": 20,
        "annotations": 40,
        "mentions": 10,
    }
    assert scale_ready(TINY)
    assert not scale_ready(
        ScaleSpec(articles=6, paragraphs=40, quotes=20, annotations=40, mentions=10, seed=7)
    )
    # The index is rebuilt from the live versions, and publishing indexes again afterwards.
    assert (
        SearchDocument.objects.filter(kind=SearchDocument.Kind.PARAGRAPH, article__in=articles).count() == 40
    )
    assert any(key[0] == "search_version_published" for key, *_ in version_published.receivers)


def test_an_interrupted_generation_goes_on_where_it_stopped(seed, monkeypatch):
    monkeypatch.setattr(scale, "ARTICLES_PER_CHUNK", 2)
    insert = scale._insert_chunk

    def interrupted(numbers, *args):
        if numbers.start == 2:
            raise KeyboardInterrupt
        return insert(numbers, *args)

    monkeypatch.setattr(scale, "_insert_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate_scale(TINY)
    assert Article.objects.published().filter(slug__startswith=SLUG_PREFIX).count() == 2
    assert scale_state(TINY) == State.RESUMABLE

    monkeypatch.setattr(scale, "_insert_chunk", insert)
    report = generate_scale(TINY)
    assert report["resumed_at"] == 2
    assert Paragraph.objects.filter(section__article__slug__startswith=SLUG_PREFIX).count() == 40
    assert scale_ready(TINY)


def test_generated_articles_are_published_as_an_editor_publishes_them(generated):
    _report, articles = generated
    assert set(Article.objects.published().filter(slug__startswith=SLUG_PREFIX)) == set(articles)
    for article in articles.select_related("live_version"):
        assert not article.has_unpublished_changes
        content = article.live_version.content
        assert content == article_content(article)
        assert content["notes"]
        assert len(content["mentions"]) == Mention.objects.confirmed().in_article(article).count()


def test_generated_spans_sit_where_they_say(generated):
    _report, articles = generated
    notes = Annotation.objects.filter(article__in=articles).select_related("paragraph")
    assert notes.filter(visibility=Annotation.Visibility.PUBLIC).exists()
    assert all(note.is_placed_in(note.paragraph.text) for note in notes)
    mentions = Mention.objects.filter(paragraph__section__article__in=articles).select_related("paragraph")
    assert all(mention.matches(mention.paragraph.text) for mention in mentions)
    quotes = Quote.objects.filter(paragraph__section__article__in=articles).select_related("paragraph")
    assert all(quote.text in quote.paragraph.text for quote in quotes)


def test_a_generated_article_reads_on_the_site(generated, client):
    _report, articles = generated
    article = articles.first()
    paragraph = Paragraph.objects.filter(section__article=article, kind=Paragraph.Kind.TEXT).first()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert article.title in html
    assert paragraph.anchor in html
    mention = Mention.objects.confirmed().filter(paragraph__section__article=article).first()
    assert mention.entity.get_absolute_url() in html
    # The newest quotes are the generated ones: the list cites them from their live paragraphs.
    quote = Quote.objects.filter(paragraph__section__article=articles.order_by("-publish_at").first()).first()
    assert quote.text in client.get("/quotes/").content.decode()


def test_percentiles_are_nearest_rank_over_raw_samples():
    samples = [(float(value), 1) for value in range(100, 0, -1)]
    assert percentile(samples, 50) == 50
    assert percentile(samples, 95) == 95
    assert percentile(samples, 99) == 99
    assert percentile(samples, 100) == 100
    ten = [(float(value), 1) for value in range(1, 11)]
    assert percentile(ten, 50) == 5
    assert percentile(ten, 95) == 10
    assert math.isnan(percentile([], 50))


def test_rounds_weigh_their_quantiles_by_their_requests():
    light = Run("article", 1, requests=100, seconds=5, quantiles_us=[(50, 10), (100, 20)])
    heavy = Run("article", 2, requests=300, seconds=5, quantiles_us=[(50, 30), (100, 40)])
    points = weighted_points([light, heavy])
    assert points == [(10, 50), (20, 50), (30, 150), (40, 150)]
    assert percentile(points, 25) == 20
    assert percentile(points, 50) == 30
    assert percentile(points, 95) == 40


def test_summary_gives_rates_errors_queries_and_the_ratio_to_static():
    runs = [
        Run("static", 1, requests=600, seconds=5, quantiles_us=[(50, 1000), (99, 3000), (100, 4000)]),
        Run(
            "article",
            1,
            requests=30,
            seconds=5,
            errors={"status": 1},
            quantiles_us=[(50, 80000), (100, 90000)],
        ),
        Run(
            "article",
            2,
            requests=20,
            seconds=5,
            errors={"timeout": 2},
            quantiles_us=[(50, 90000), (100, 99000)],
        ),
        Run("static", 2, requests=400, seconds=5, quantiles_us=[(50, 2000), (99, 5000), (100, 6000)]),
    ]
    rows = summarise(
        runs,
        paths={"static": "/static/a.css", "article": "/articles/a/"},
        queries={"article": 7},
        connections=25,
    )
    static, article = rows
    assert static.rps == 100
    assert static.rps_by_round == [120.0, 80.0]
    assert static.ratio == 1
    assert article.rps == 5
    assert article.ratio == pytest.approx(0.05)
    assert article.errors == 3
    assert article.queries == 7
    assert static.queries is None
    # 15 of the 50 requests took 80 ms at most, 25 took 90 ms at most: the 25th is the median.
    assert (article.p50_ms, article.p95_ms, article.p99_ms, article.max_ms) == (90, 99, 99, 99)
    # Each quantile stands for the requests up to it: the second round's 1 % above 5 ms rank first.
    assert static.p99_ms == 5
    assert article.censored  # its second round answered 20 requests over 25 connections
    assert not static.censored
    lines = table(rows).splitlines()
    assert lines[0].split()[:2] == ["target", "req/s"]
    assert lines[3].split() == ["article", "*", "5.0", "90.0", "99.0", "99.0", "99", "3", "7", "0.050"]
    assert lines[4].startswith("* finished fewer requests")


def test_rounds_rotate_so_each_target_takes_every_place():
    assert rotations(["a", "b", "c"], 4) == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
    ]
    assert rotations([], 3) == []


def test_each_front_is_compared_with_the_static_file_through_that_front():
    runs = [
        Run("static", 1, requests=1000, seconds=10, quantiles_us=[(100, 1000)]),
        Run("article", 1, requests=100, seconds=10, quantiles_us=[(100, 9000)]),
        Run("static@varnish", 1, requests=4000, seconds=10, quantiles_us=[(100, 300)]),
        Run("article@varnish", 1, requests=3000, seconds=10, quantiles_us=[(100, 400)]),
        Run("feed@varnish", 1, requests=10, seconds=10, quantiles_us=[(100, 400)]),
    ]
    paths = {"static": "/s.css", "article": "/a/", "static@varnish": "/s.css", "article@varnish": "/a/"}
    rows = summarise(
        runs, paths=paths | {"feed@other": "/f"}, caches={"static@varnish": "HIT", "article@varnish": "MISS"}
    )
    ratios = {row.target: row.ratio for row in rows}
    assert ratios == {"static": 1, "article": 0.1, "static@varnish": 1, "article@varnish": 0.75}
    assert [row.cache for row in rows] == [None, None, "HIT", "MISS"]
    assert table(rows).splitlines()[0].split()[-1] == "cache"
    assert table(rows).splitlines()[2].split()[-1] == "-"
    assert baseline_for("api-article@varnish") == "static@varnish"
    assert (front_of("article"), front_of("article@varnish")) == ("", "varnish")


def test_targets_through_varnish_always_come_with_the_static_file():
    direct, through = chosen(parse(["--targets", "article,feed", "--varnish", "article"]))
    assert direct == ["static", "article", "feed"]
    assert through == ["static", "article"]
    assert chosen(parse(["--targets", "article", "--varnish", "none"]))[1] == []
    assert chosen(parse(["--targets", "feed,article", "--varnish", "all"]))[1] == [
        "static",
        "feed",
        "article",
    ]
    # A running site has no front cache unless it is named.
    assert chosen(parse(["--url", "http://127.0.0.1:8781"]))[1] == []
    assert "article" in chosen(parse(["--url", "http://x", "--varnish-url", "http://y"]))[1]
    for wrong in (["--targets", "nope"], ["--varnish", "static,nope"], ["--varnish-url", "http://y"]):
        with pytest.raises(SystemExit):
            parse(wrong)


def test_deep_api_pages_go_as_deep_as_offsets_go_and_follow_next_to_the_issues_depth(monkeypatch):
    monkeypatch.setattr(load, "DEEP_OFFSET", 300)
    pages = {
        # 100,000 quotes, counted up to 10,000 only; each page of 100 names the next.
        "/api/v1/quotes": {"count": 10_000, "count_is_exact": False, "items": [1], "next": "c1"},
        "/api/v1/quotes?limit=100": {"next": "q1"},
        "/api/v1/quotes?limit=100&cursor=q1": {"next": "q2"},
        "/api/v1/quotes?limit=100&cursor=q2": {"next": "a+b/="},
        "/api/v1/quotes?limit=100&cursor=a%2Bb%2F%3D": {"next": "too deep"},
        # 45 articles, exactly: the deep offset is the page before the last, the cursor the last page's.
        "/api/v1/articles": {"count": 45, "count_is_exact": True, "items": [1], "next": "c2"},
        "/api/v1/articles?limit=100": {"next": None},
        # 15 companies: one page, no deep page.
        "/api/v1/companies": {"count": 15, "count_is_exact": True, "items": [1], "next": None},
    }
    monkeypatch.setattr(load, "_api_page", lambda base, path: pages[path])
    monkeypatch.setattr(load, "_deepest_offset", lambda base, path: 1_000)
    assert load._deep_api_pages("", "api-quotes", "/api/v1/quotes") == {
        "api-quotes-deep": "/api/v1/quotes?offset=1000",
        "api-quotes-cursor": "/api/v1/quotes?cursor=a%2Bb%2F%3D",
    }
    assert load._deep_api_pages("", "api-articles", "/api/v1/articles") == {
        "api-articles-deep": "/api/v1/articles?offset=5",
    }
    assert load._deep_api_pages("", "api-companies", "/api/v1/companies") == {}


def test_a_deep_page_is_reached_from_the_last_numbered_page_by_next_links(monkeypatch):
    monkeypatch.setattr(load, "DEEP_PAGE", 4)
    pages = {
        "/articles/": b'<a href="/articles/?page=2">2</a>',
        "/articles/?page=2": b'<link rel="next" href="/articles/?after=a1&amp;variant=zh-hans">',
        "/articles/?after=a1&variant=zh-hans": b'<link rel="next" href="/articles/?after=a2">',
        "/articles/?after=a2": b"",
    }
    monkeypatch.setattr(load, "fetch", lambda url: (200, pages[url]))
    assert load._deep_page("", "/articles/") == "/articles/?after=a2"
    monkeypatch.setattr(load, "DEEP_PAGE", 3)
    assert load._deep_page("", "/articles/") == "/articles/?after=a1&variant=zh-hans"
    pages["/articles/"] = b"one page"
    assert load._deep_page("", "/articles/") is None


def test_queries_are_set_side_by_side_and_their_difference_shown():
    seed = {
        "targets": {
            "article": {"queries": 1},
            "articles": {"queries": 3},
            "article@varnish": {"queries": None},
        }
    }
    at_scale = {"targets": {"article": {"queries": 1}, "articles": {"queries": 4}}}
    side = queries_side_by_side(seed, at_scale)
    assert side == {
        "article": {"seed": 1, "scale": 1, "equal": True},
        "articles": {"seed": 3, "scale": 4, "equal": False},
    }
    assert "| articles | 3 | 4 | **no** |" in markdown({"queries": side})


@pytest.mark.skipif(not shutil.which("varnishd"), reason="Debian's varnish is not installed")
def test_the_shipped_vcl_compiles_with_the_benchmarks_backend(tmp_path):
    site = Stack(workdir=tmp_path, database_url="sqlite:///unused", port=8811)
    site.write_backends()
    compiled = subprocess.run(site.varnish_command("-j", "none", "-C"), capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr[-2000:]
    # The include is what the benchmark wrote: a backends.vcl without the director fails to compile.
    (tmp_path / "backends.vcl").write_text('backend app1 { .host = "127.0.0.1"; .port = "8811"; }\n')
    assert subprocess.run(site.varnish_command("-j", "none", "-C"), capture_output=True).returncode != 0


def test_each_run_is_written_to_its_own_file_under_bench_results():
    seed = default_json({"when": "2026-12-03T17:16:50+00:00", "scale": False})
    scale = default_json({"when": "2026-12-03T17:31:31+00:00", "scale": True})
    assert (seed.parent.name, seed.name) == ("raw", "20261203T171650-seed.json")
    assert scale.name == "20261203T173131-scale.json"
    assert seed.parent.parent == Path(__file__).resolve().parents[2] / "bench" / "results"


def test_the_illustrated_copy_shows_both_images_and_costs_the_seeds_queries(seed, client):
    assert illustrate() == ILLUSTRATED
    assert illustrate() == ILLUSTRATED  # run again, it changes nothing
    copy = Article.objects.get(slug=ILLUSTRATED)
    assert copy.live_version is not None and copy.lead_image is not None
    screenshot = Paragraph.objects.get(section__article=copy, kind=Paragraph.Kind.IMAGE)
    assert screenshot.image is not None
    counts = {}
    for article in (seed, copy):
        client.get(article.get_absolute_url())  # the first request renders and stores
        with CaptureQueriesContext(connection) as queries:
            html = client.get(article.get_absolute_url()).content.decode()
        counts[article.slug] = len(queries)
    assert html.count("<picture") == 2
    assert counts[ILLUSTRATED] == counts[seed.slug] == 1
