"""Search at scale: p50/p95 of every kind of query at 10,000 articles, on SQLite or PostgreSQL.

Run from the project root; the data is generated once with bulk inserts and kept between runs:

    .venv/bin/python bench/search_scale.py                       # SQLite, bench/results/search_scale.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baimo_search_scale .venv/bin/python bench/search_scale.py

It generates (unless already there) 10,000 published articles of 20 paragraphs (200,000), 100,000
quotes, 500 companies and 2,000 people, the articles dated over five years. When the index is empty,
or with `--rebuild`, it runs `manage.py search_rebuild` in a child process into an empty index and
reports its time and peak memory (with `--rebuild` also a second run over the full index). Database
connections are kept between requests, as in production. Then, in interleaved rounds (each round asks
every query of every target once, so machine noise hits them alike), it times:

- `search()`: what the search page asks (grouped, 20 hits), and the deepest page it links to (the last
  20 of the hits search ranks, `search.views.MAX_PAGE`);
- the page `/search?q=` and the API `/api/v1/search?q=` through Django's test client (middleware,
  templates and JSON included, no network);
- a naive scan (`Paragraph.text__icontains` over published articles, count and first page; one script
  only, nothing ranked) in a few rounds, for the ratio.

It prints p50/p95 per query and target, the ratio naive / indexed, the hits' totals, and a digest of
each query's first page: run it on both databases and compare the digests (the second run prints
whether they agree with the first, from bench/results/search_scale-<vendor>.json). The machine is
shared: read ratios and the p95 against the 50 ms budget, not absolute times from one run.
"""

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{RESULTS / 'search_scale.sqlite3'}")
# Generating and rebuilding run statements longer than a request's timeout.
os.environ.setdefault("DB_STATEMENT_TIMEOUT", "0")
# Connections kept between requests, as production keeps them (config/settings/prod.py).
os.environ.setdefault("DB_CONN_MAX_AGE", "60")
RESULTS.mkdir(exist_ok=True)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles.models import Article, ArticleVersion, Paragraph, Section  # noqa: E402
from articles.publication import ARTICLE_FIELDS, FORMAT  # noqa: E402
from landscape.models import Company, Person, Quote  # noqa: E402
from search.backends import built_afterwards  # noqa: E402
from search.models import SearchDocument  # noqa: E402
from search.selectors import search  # noqa: E402
from search.views import MAX_PAGE, PAGE_SIZE  # noqa: E402

# Everyday characters, most frequent first; drawn with Zipf-like weights so that 的 is in nine
# paragraphs of ten, as in real text.
COMMON = list(
    dict.fromkeys(
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
)
WEIGHTS = [1 / (rank + 8) for rank in range(len(COMMON))]
# Words planted in a share of the paragraphs, so that queries find what readers would look for.
PLANTED = {"算力": 0.02, "百川": 0.002, "OpenAI": 0.01, "大模型": 0.3, "數據": 0.05, "商湯": 0.003}
LATIN = ["GPT-4", "ChatGPT", "Llama", "Transformer", "GPU", "AIGC", "API", "SenseTime", "Baichuan"]
QUERIES = [
    ("common character", "的"),
    ("two characters", "算力"),
    ("common word", "模型"),
    ("Traditional", "數據"),
    ("Simplified", "数据"),
    ("Simplified name", "商汤"),
    ("four characters", "百川智能"),
    ("Latin word", "OpenAI"),
    ("Latin prefix", "open"),
    ("mixed", "OpenAI 算力"),
    ("mixed, Simplified", "大模型 数据"),
    ("rare", "罕見詞彙"),
]
ARTICLES, PARAGRAPHS_PER_SECTION, SECTIONS, QUOTES_PER_ARTICLE = 10_000, 5, 4, 10
COMPANIES, PEOPLE = 500, 2000
# Articles are dated over five years before this day, the same on every run and database.
LAST_DAY = datetime(2026, 11, 15, tzinfo=UTC)
BATCH = 250
# The offset of the last page of hits the search page links to.
DEEPEST = (MAX_PAGE - 1) * PAGE_SIZE


def text(rng: random.Random, low: int, high: int) -> str:
    body = "".join(rng.choices(COMMON, WEIGHTS, k=rng.randint(low, high)))
    for word, share in PLANTED.items():
        if rng.random() < share:
            at = rng.randrange(len(body))
            body = body[:at] + word + body[at:]
    if rng.random() < 0.05:
        at = rng.randrange(len(body))
        body = body[:at] + rng.choice(LATIN) + body[at:]
    return body + "。"


def generate(seed: int) -> None:
    """Bulk-insert the scale data: no signals fire, so the index is built by the rebuild alone."""
    rng = random.Random(seed)
    started = time.perf_counter()
    named = [("百川智能", "Baichuan AI"), ("商湯科技", "SenseTime"), ("OpenAI", "OpenAI")]
    Company.objects.bulk_create(
        Company(
            name_zh=named[n][0] if n < len(named) else f"模型公司{n}",
            name_en=named[n][1] if n < len(named) else f"Model Company {n}",
            slug=f"scale-company-{n}",
            layer=Company.Layer.STARTUP,
            summary=text(rng, 20, 60),
            published=True,
        )
        for n in range(COMPANIES)
    )
    people = Person.objects.bulk_create(
        Person(
            name_zh=f"王{rng.choice(COMMON)}{rng.choice(COMMON)}",
            name_en=f"Person {n}",
            slug=f"scale-person-{n}",
            bio=text(rng, 20, 60),
            published=True,
        )
        for n in range(PEOPLE)
    )
    span = timedelta(days=5 * 365).total_seconds()
    for first in range(0, ARTICLES, BATCH):
        with transaction.atomic():
            _generate_articles(rng, range(first, min(first + BATCH, ARTICLES)), people, span)
        print(f"  generated {min(first + BATCH, ARTICLES):,} articles", file=sys.stderr)
    print(f"generated in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def _generate_articles(rng: random.Random, numbers: range, people: list[Person], span: float) -> None:
    articles = Article.objects.bulk_create(
        Article(
            title=f"大模型觀察第{n}期",
            slug=f"scale-article-{n}",
            summary=text(rng, 30, 60),
            status=Article.Status.PUBLISHED,
            publish_at=LAST_DAY - timedelta(seconds=rng.random() * span),
        )
        for n in numbers
    )
    sections = Section.objects.bulk_create(
        Section(article=article, position=s, heading=f"第{s + 1}節", anchor=f"s-{article.pk:06x}{s}")
        for article in articles
        for s in range(SECTIONS)
    )
    paragraphs = Paragraph.objects.bulk_create(
        (
            Paragraph(
                section=section,
                position=p,
                text=text(rng, 60, 160),
                anchor=f"p-{section.pk:07x}{p}",
            )
            for section in sections
            for p in range(PARAGRAPHS_PER_SECTION)
        ),
        batch_size=2000,
    )
    by_section: dict[int, list[Paragraph]] = {}
    for paragraph in paragraphs:
        by_section.setdefault(paragraph.section_id, []).append(paragraph)
    by_article: dict[int, list[Section]] = {}
    for section in sections:
        by_article.setdefault(section.article_id, []).append(section)
    versions = ArticleVersion.objects.bulk_create(
        ArticleVersion(
            article=article,
            number=1,
            title=article.title,
            slug=article.slug,
            summary=article.summary,
            language=article.language,
            publish_at=article.publish_at,
            published_at=article.publish_at,
            content=_content(article, by_article[article.pk], by_section),
        )
        for article in articles
    )
    for article, version in zip(articles, versions, strict=True):
        article.live_version = version
    Article.objects.bulk_update(articles, ["live_version"])
    quotes = []
    for article in articles:
        cited = rng.sample([p for s in by_article[article.pk] for p in by_section[s.pk]], QUOTES_PER_ARTICLE)
        for paragraph in cited:
            start = rng.randrange(max(1, len(paragraph.text) - 40))
            quotes.append(
                Quote(
                    text=paragraph.text[start : start + rng.randint(10, 40)],
                    speaker=rng.choice(people),
                    paragraph=paragraph,
                )
            )
    Quote.objects.bulk_create(quotes, batch_size=2000)


def _content(article: Article, sections: list[Section], by_section: dict[int, list[Paragraph]]) -> dict:
    """Return the live version's content as `articles.publication.article_content` writes it."""
    return {
        "format": FORMAT,
        "article": {
            **{name: getattr(article, name) for name in ARTICLE_FIELDS},
            "publish_at": article.publish_at.isoformat(),
        },
        "topics": [],
        "sections": [
            {
                "id": section.pk,
                "anchor": section.anchor,
                "position": section.position,
                "heading": section.heading,
                "paragraphs": [
                    {"id": p.pk, "anchor": p.anchor, "position": p.position, "kind": p.kind, "text": p.text}
                    for p in by_section[section.pk]
                ],
            }
            for section in sections
        ],
        "notes": [],
        "mentions": [],
    }


def empty_index() -> None:
    """Empty the index without maintaining the full-text structures row by row."""
    with transaction.atomic(), built_afterwards(connection):
        SearchDocument.objects.all().delete()


def rebuild() -> dict:
    """Run `manage.py search_rebuild` in a child process; return its seconds and peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "search_rebuild", "--skip-checks"],
        cwd=ROOT,
        env=os.environ,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    for line in child.stderr:
        lines.append(line.rstrip())
        if line.startswith("Indexing"):
            print(f"  {line.rstrip()}", file=sys.stderr)
    _, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit("search_rebuild failed:\n" + "\n".join(lines[-20:]))
    measured = {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }
    # Told at once too: the timings after it take minutes more.
    print(
        f"  search_rebuild: {measured['seconds']} s, peak RSS {measured['peak_rss_mb']} MB", file=sys.stderr
    )
    return measured


def targets(client: Client) -> dict:
    def page(q, number=1):
        response = client.get("/search", {"q": q, "page": number})
        assert response.status_code == 200, response.status_code

    def api(q):
        response = client.get("/api/v1/search", {"q": q})
        assert response.status_code == 200, response.content[:300]

    return {
        "search()": lambda q: search(q, limit=20, grouped=True),
        "search() deep page": lambda q: search(q, limit=PAGE_SIZE, offset=DEEPEST, grouped=True),
        "/search": page,
        "/api/v1/search": api,
    }


def naive(q: str) -> None:
    matches = Paragraph.objects.filter(section__article__in=Article.objects.published(), text__icontains=q)
    matches.count()
    list(matches.order_by("pk")[:20])


def timed(function, q: str) -> float:
    started = time.perf_counter()
    function(q)
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--naive-rounds", type=int, default=3)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="time search_rebuild into an empty index, then over the full one",
    )
    parser.add_argument("--regenerate", action="store_true", help="flush the database and generate again")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    vendor = connection.vendor
    call_command("migrate", verbosity=0)
    if options.regenerate or Article.objects.count() != ARTICLES:
        call_command("flush", interactive=False, verbosity=0)
        generate(options.seed)
    report: dict = {"vendor": vendor, "machine": f"shared, {os.cpu_count()} cores"}
    if options.rebuild or not SearchDocument.objects.exists():
        empty_index()
        report["rebuild"] = rebuild()
        if options.rebuild:
            report["rebuild again"] = rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report["documents"] = SearchDocument.objects.count()
    report["paragraphs"] = Paragraph.objects.count()
    report["quotes"] = Quote.objects.count()

    setup_test_environment()
    client = Client()
    runs = targets(client)
    for _, q in QUERIES:  # warm every cache once, as a running server would be
        for function in runs.values():
            function(q)
    timings = {(q, name): [] for _, q in QUERIES for name in runs}
    names = list(runs)
    for round_number in range(options.rounds):
        # Rotate the order of targets each round, so no target always runs first or last.
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for _, q in QUERIES:
            for name in order:
                timings[q, name].append(timed(runs[name], q))
    naive_ms = {
        q: statistics.median(timed(naive, q) for _ in range(options.naive_rounds)) for _, q in QUERIES
    }

    rows, digests = [], {}
    for label, q in QUERIES:
        results = search(q, limit=20, grouped=True)
        digests[q] = hashlib.sha256(json.dumps([hit.url for hit in results.hits]).encode()).hexdigest()[:12]
        p50 = percentile(timings[q, "search()"], 0.5)
        rows.append(
            {
                "label": label,
                "query": q,
                "total": results.total,
                "capped": results.total_capped,
                "counts": dict(results.counts),
                **{
                    f"{name} {stat}": round(percentile(timings[q, name], share), 1)
                    for name in names
                    for stat, share in (("p50", 0.5), ("p95", 0.95))
                },
                "naive p50": round(naive_ms[q], 1),
                "naive / search()": round(naive_ms[q] / p50, 1),
                "digest": digests[q],
            }
        )
    report["queries"] = rows
    print_report(report, names)
    compare(report)


def print_report(report: dict, names: list[str]) -> None:
    print(
        f"\n{report['vendor']} ({report['machine']}): {report['paragraphs']:,} paragraphs, "
        f"{report['quotes']:,} quotes, {report['documents']:,} documents"
    )
    for run, what in (("rebuild", "into an empty index"), ("rebuild again", "over the full index")):
        if run in report:
            print(
                f"search_rebuild {what}: {report[run]['seconds']} s, peak RSS {report[run]['peak_rss_mb']} MB"
            )
    header = f"{'query':<24}{'total':>9}" + "".join(f"{name + ' p50/p95':>26}" for name in names)
    print(header + f"{'naive p50':>11}{'ratio':>8}  digest")
    worst = 0.0
    for row in report["queries"]:
        cells = "".join(f"{row[f'{name} p50']:>14.1f} / {row[f'{name} p95']:>6.1f} ms" for name in names)
        total = f"{row['total']:,}{'+' if row['capped'] else ''}"
        print(
            f"{row['label'] + ' ' + row['query']:<24}{total:>9}{cells}{row['naive p50']:>9.0f}ms"
            f"{row['naive / search()']:>7.0f}x  {row['digest']}"
        )
        worst = max(worst, *(row[f"{name} p95"] for name in names))
    print(f"worst p95 of any query and target: {worst:.1f} ms (budget 50 ms)")


def compare(report: dict) -> None:
    path = RESULTS / f"search_scale-{report['vendor']}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    others = [p for p in RESULTS.glob("search_scale-*.json") if p != path]
    for other in others:
        theirs = {row["query"]: row for row in json.loads(other.read_text())["queries"]}
        differ = [
            row["query"]
            for row in report["queries"]
            if row["query"] in theirs
            and (row["digest"], row["total"])
            != (theirs[row["query"]]["digest"], theirs[row["query"]]["total"])
        ]
        verdict = "the same first pages and totals" if not differ else f"different results for {differ}"
        print(f"against {other.name}: {verdict}")
        ratios = [
            row["search() p95"] / theirs[row["query"]]["search() p95"]
            for row in report["queries"]
            if row["query"] in theirs
        ]
        if ratios:
            print(f"  p95 of search() here / there, geometric mean: {statistics.geometric_mean(ratios):.2f}")


if __name__ == "__main__":
    main()
