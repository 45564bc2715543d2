"""Compare the indexed search with a naive `icontains` scan over synthetic articles.

Run from the project root, on SQLite (in memory) or on PostgreSQL (a throwaway test database):

    .venv/bin/python bench/search_bench.py --articles 2000 --paragraphs 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baimo_search .venv/bin/python bench/search_bench.py

It prints, per query, the median time of `search()` (count and first page, ranked, across all types)
and of a scan (`Paragraph.text__icontains`, count and first page), and the ratio scan / index.
The scan is the lower bound of the naive approach: it finds one script only and ranks nothing.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.models import Article, ArticleVersion, Paragraph, Section  # noqa: E402
from articles.publication import article_content  # noqa: E402
from search.selectors import search  # noqa: E402
from search.services import search_rebuild  # noqa: E402

# Everyday characters of the seed article's kind, so that bigrams repeat the way real text does.
COMMON = (
    "的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會可主發年動同工也能下過子說產種"
    "面而方後多定行學法所民得經十三之進著等部度家電力裡如水化高自二理起小物現實加量都兩體制機當使點從業本"
    "去把性好應開它合還因由其些然前外天政四日那社義事平形相全表間樣與關各重新線內數正心反你明看原又麼利比"
    "或但質氣第向道命此變條只沒結解問意建月公無系軍很情者最立代想已通並提直題黨程展五果料象員革位入常文總"
    "次品式活設及管特件長求老頭基資邊流路級少圖山統接知較將組見計別她手角期根論運農指幾九區強放決西被幹做"
    "必戰先回則任取據處隊南給色光門即保治北造百規熱領七海口東導器壓志世金增爭濟階油思術極交受聯什認六共權"
    "收證改清己美再採轉更單風切打白教速花帶安場身車例真務具萬每目至達走積示議聲報鬥完類八離華名確才科張信"
    "馬節話米整空元況今集溫傳土許步群廣石記需段研界拉林律叫且究觀越織裝影算低持音眾書布复容兒須際商非驗連"
    "斷深難近礦千週委素技備半辦青省列習響約支般史感勞便團往酸歷市克何除消構府稱太準精值號率族維劃選標寫存"
    "候毛親快效斯院查江型眼王按格養易置派層片始卻專狀育廠京識適屬圓包火住調滿縣局照參紅細引聽該鐵價嚴"
)
PLANTED = {"算力": 0.02, "百川": 0.002, "OpenAI": 0.01}
QUERIES = ["算力", "百川", "模型", "OpenAI", "算", "OpenAI 算力"]


def paragraph_text(rng: random.Random) -> str:
    text = "".join(rng.choice(COMMON) for _ in range(rng.randint(60, 160)))
    for word, share in PLANTED.items():
        if rng.random() < share:
            at = rng.randrange(len(text))
            text = text[:at] + word + text[at:]
    if rng.random() < 0.3:
        at = rng.randrange(len(text))
        text = text[:at] + "大模型" + text[at:]
    return text + "。"


def build(articles: int, paragraphs: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"合成文章{n}",
            slug=f"bench-{n}",
            status=Article.Status.PUBLISHED,
            publish_at=now - timedelta(minutes=n + 1),
        )
        for n in range(articles)
    )
    Section.objects.bulk_create(Section(article=a, position=0) for a in Article.objects.all())
    sections = list(Section.objects.all())
    Paragraph.objects.bulk_create(
        (
            Paragraph(section=section, position=p, text=paragraph_text(rng))
            for section in sections
            for p in range(paragraphs)
        ),
        batch_size=2000,
    )
    # Readers (and the index) see live versions: give each article one, as publishing would write it.
    articles = list(Article.objects.all())
    versions = ArticleVersion.objects.bulk_create(
        ArticleVersion(
            article=article,
            number=1,
            title=article.title,
            slug=article.slug,
            publish_at=article.publish_at,
            content=article_content(article),
        )
        for article in articles
    )
    for article, version in zip(articles, versions, strict=True):
        article.live_version = version
    Article.objects.bulk_update(articles, ["live_version"], batch_size=500)


def median_seconds(function, repeat: int) -> float:
    function()  # warm the caches first: both sides are timed warm
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def indexed(query: str):
    return lambda: search(query, limit=20)


def scan(query: str):
    def run():
        matches = Paragraph.objects.filter(
            section__article__in=Article.objects.published(), text__icontains=query
        )
        # Same work as search(): count, then the first page.
        matches.count()
        list(matches.order_by("pk")[:20])

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--paragraphs", type=int, default=10, help="paragraphs per article")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2023)
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # Bulk creation sends no signals: the index is built once, by the rebuild, and timed.
        build(options.articles, options.paragraphs, options.seed)
        started = time.perf_counter()
        report = search_rebuild()
        build_seconds = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        total = options.articles * options.paragraphs
        print(
            f"{connection.vendor}: {total} paragraphs, "
            f"index built in {build_seconds:.1f}s ({report.created} documents)"
        )
        print(f"{'query':<14}{'hits':>7}{'index ms':>11}{'scan ms':>10}{'scan/index':>12}")
        ratios = []
        for query in QUERIES:
            hits = search(query, types=["paragraph"]).total
            index_ms = median_seconds(indexed(query), options.repeat) * 1000
            scan_ms = median_seconds(scan(query), options.repeat) * 1000
            ratios.append(scan_ms / index_ms)
            print(f"{query:<14}{hits:>7}{index_ms:>11.1f}{scan_ms:>10.1f}{scan_ms / index_ms:>11.1f}x")
        print(f"geometric mean scan/index: {statistics.geometric_mean(ratios):.1f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
