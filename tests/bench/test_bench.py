"""The benchmark's own code: the scale generator makes what readers see, the results add up."""

import math

import pytest

from articles.models import Annotation, Article, Paragraph
from articles.publication import article_content, version_published
from bench.results import Run, percentile, rotations, summarise, table, weighted_points
from bench.scale import SLUG_PREFIX, ScaleSpec, generate_scale, scale_ready
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
        runs, paths={"static": "/static/a.css", "article": "/articles/a/"}, queries={"article": 7}
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
    lines = table(rows).splitlines()
    assert lines[0].split()[:2] == ["target", "req/s"]
    assert lines[3].split() == ["article", "5.0", "90.0", "99.0", "99.0", "99", "3", "7", "0.050"]


def test_rounds_rotate_so_each_target_takes_every_place():
    assert rotations(["a", "b", "c"], 4) == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
    ]
    assert rotations([], 3) == []
