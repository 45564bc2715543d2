"""The benchmark's scale data: published articles of realistic Chinese text, with quotes, notes and mentions.

    generate_scale(ScaleSpec(articles=10_000, …), progress=print) -> dict   # counts and seconds per step
    scale_ready(spec) -> bool                                                # the data is there already

Text is recombined from the clauses of the seed article (real words, real punctuation, real lengths), so
tokens, bigrams and page sizes behave as an editor's articles would. Rows of the working copy are
bulk-inserted; each article is then published by `articles.publication.article_publish_version`, the
editors' own path, so its version, live paragraphs and front-cache bans are exactly what publishing makes.
The search index is built once at the end by `search.services.search_rebuild`. Articles are made and
published in chunks, each committed; the spec, the progress and at the end the counts are recorded in a
table of the benchmark's own (`bench_scale`), so an interrupted run goes on where it stopped and a second
run skips the work.

Needs Django set up (`bench/generate.py` does it) and the seed loaded: mentions and quotes name its
published companies and people.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from articles.anchoring import make_selector
from articles.models import Annotation, Article, Paragraph, Section, Topic
from articles.publication import article_publish_version, version_published
from landscape.models import Company, Mention, Person, Quote
from search.services import search_rebuild
from search.signals import version_went_live

# Bump when what the generator writes changes: a database holding another version is generated again.
GENERATOR_VERSION = 1
SLUG_PREFIX = "bench-"
MARKER_TABLE = "bench_scale"
ARTICLES_PER_CHUNK = 250

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScaleSpec:
    """How much to make; the defaults are the sizes the issue measures at."""

    articles: int = 10_000
    paragraphs: int = 200_000
    quotes: int = 100_000
    annotations: int = 200_000
    mentions: int = 50_000
    seed: int = 2023

    def marker(self) -> dict:
        return {"generator": GENERATOR_VERSION, **asdict(self)}


# --- Text -------------------------------------------------------------------------------------------

CLAUSE = re.compile(r"[^，。；？！：、]+[，。；？！：、]")
SOURCES = ["光錐智能", "量子位", "機器之心", "36氪", "虎嗅", "晚點LatePost"]
PUBLISHERS = ["芒果財經", "樂趣人", "財經網", "科技日報"]
OCCASIONS = ["", "", "2023騰訊ConTech大會", "世界人工智能大會", "接受採訪時", "發佈會上", "朋友圈"]
ROLES = ["", "創始人兼CEO", "首席科學家", "教授", "投資人", "產品負責人"]
SPEAKERS = ["一位創業者", "某大廠高管", "業內人士", "一位投資人", "研究者"]
NOTE_KINDS = [
    Annotation.Kind.NOTE,
    Annotation.Kind.CONTEXT,
    Annotation.Kind.FACT_CHECK,
    Annotation.Kind.CORRECTION,
]


class Corpus:
    """Clauses of the seed article's text, recombined into titles, paragraphs and notes."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        fixture = json.loads((Path(settings.BASE_DIR) / "fixtures" / "seed_article.json").read_text("utf-8"))
        text = "".join(
            item["fields"]["text"]
            for item in fixture
            if item["model"] == "articles.paragraph" and item["fields"]["kind"] == "text"
        )
        self.clauses = [
            c for c in CLAUSE.findall(text) if 4 <= len(c) <= 48 and "“" not in c and "”" not in c
        ]

    def words(self, low: int, high: int) -> str:
        """Clauses joined until at least `low` characters, cut below `high`, ending a sentence."""
        target = self.rng.randint(low, high)
        parts, size = [], 0
        while size < target:
            clause = self.rng.choice(self.clauses)
            parts.append(clause)
            size += len(clause)
        return "".join(parts)[:-1] + "。"

    def phrase(self, high: int) -> str:
        """One clause without its punctuation, at most `high` characters."""
        return self.rng.choice(self.clauses)[:-1][:high]


# --- The marker ---------------------------------------------------------------------------------------


class State:
    READY = "ready"  # the data `spec` asks for is there, complete
    RESUMABLE = "resumable"  # none of it yet, or part of it from an interrupted run of the same spec
    FOREIGN = "foreign"  # other generated data: generate into a fresh database


def scale_marker() -> dict | None:
    """Return what the generator recorded in this database, or None."""
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = %s", ["scale"])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _generated() -> int:
    return Article.objects.filter(slug__startswith=SLUG_PREFIX).count()


def scale_state(spec: ScaleSpec) -> str:
    """Tell what this database holds of the data `spec` asks for (a `State`)."""
    marker = scale_marker()
    if marker is None:
        return State.RESUMABLE if _generated() == 0 else State.FOREIGN
    if {key: marker.get(key) for key in spec.marker()} != spec.marker():
        return State.FOREIGN
    if marker.get("state") != "complete":
        return State.RESUMABLE
    published = Article.objects.published().filter(slug__startswith=SLUG_PREFIX).count()
    return State.READY if published == spec.articles else State.FOREIGN


def scale_ready(spec: ScaleSpec) -> bool:
    return scale_state(spec) == State.READY


def _record_marker(spec: ScaleSpec, **values) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(32) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE name = %s", ["scale"])
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name, value) VALUES (%s, %s)",
            ["scale", json.dumps({**spec.marker(), **values})],
        )


# --- Generation ---------------------------------------------------------------------------------------


def _spread(total: int, parts: int) -> list[int]:
    """Split `total` into `parts` counts that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if n < extra else 0) for n in range(parts)]


class _Anchors:
    """Random anchors as the models make them, never one already taken."""

    def __init__(self):
        self.taken = set(Paragraph.objects.values_list("anchor", flat=True))
        self.taken |= set(Section.objects.values_list("anchor", flat=True))

    def new(self, prefix: str) -> str:
        while True:
            anchor = f"{prefix}-{secrets.token_hex(4)}"
            if anchor not in self.taken:
                self.taken.add(anchor)
                return anchor


def _entities() -> list[tuple[str, Company | Person]]:
    found = [("company", c) for c in Company.objects.published().order_by("pk")]
    found += [("person", p) for p in Person.objects.published().order_by("pk")]
    return [(kind, entity) for kind, entity in found if entity.name_zh]


def _insert_chunk(numbers: range, spec: ScaleSpec, corpus: Corpus, pools: dict, now) -> list[Article]:
    """Bulk-insert the working copies of articles numbered `numbers`, status published, not yet live."""
    rng = corpus.rng
    anchors: _Anchors = pools["anchors"]
    articles, topic_links, sections, paragraphs, mentions, notes, quotes = [], [], [], [], [], [], []
    for n in numbers:
        publish_at = now - timedelta(hours=n + 1, minutes=rng.randint(0, 59))
        article = Article(
            title=corpus.words(12, 30)[:-1],
            slug=f"{SLUG_PREFIX}{n:05d}",
            summary=corpus.words(40, 90),
            status=Article.Status.PUBLISHED,
            publish_at=publish_at,
            original_source=rng.choice(SOURCES),
            author=rng.choice(["", "王小川", "周鴻禕", "編輯部"]),
            image_credit="由無界 AI生成",
            publisher=rng.choice(PUBLISHERS),
            reprint_url=f"http://lequren.com/{1_000_000 + n}.html",
            disclaimer="免責聲明：本文來自網絡收錄或投稿，觀點僅代表作者本人，版權歸原作者所有。",
            notice="溫馨提示：投資有風險，入市須謹慎。本資訊不作為投資理財建議。",
            edited_at=publish_at,
        )
        articles.append(article)
        for topic in rng.sample(pools["topics"], rng.randint(0, len(pools["topics"]))):
            topic_links.append(Article.topics.through(article=article, topic_id=topic))

        own: list[Paragraph] = []
        wanted = pools["paragraphs"][n]
        for position, count in enumerate(_spread(wanted, min(wanted, rng.randint(2, 4))) if wanted else []):
            section = Section(
                article=article,
                position=position,
                heading="" if position == 0 else corpus.phrase(20),
                anchor=anchors.new("s"),
            )
            sections.append(section)
            for place in range(count):
                caption = rng.random() < 0.03
                own.append(
                    Paragraph(
                        section=section,
                        position=place,
                        kind=Paragraph.Kind.IMAGE if caption else Paragraph.Kind.TEXT,
                        text=corpus.words(8, 24) if caption else corpus.words(40, 180),
                        anchor=anchors.new("p"),
                    )
                )
        paragraphs += own
        text_paragraphs = [p for p in own if p.kind == Paragraph.Kind.TEXT] or own

        # A mention names an entity where the paragraph's first clause ends; notes sit after it, apart.
        free_from: dict[str, int] = {}
        for paragraph in rng.sample(text_paragraphs, min(pools["mentions"][n], len(text_paragraphs))):
            kind, entity = rng.choice(pools["entities"])
            at = paragraph.text.find("，") + 1 or len(paragraph.text) // 2
            paragraph.text = paragraph.text[:at] + entity.name_zh + paragraph.text[at:]
            free_from[paragraph.anchor] = at + len(entity.name_zh)
            confirmed = rng.random() < 0.9
            mentions.append(
                Mention(
                    paragraph=paragraph,
                    start=at,
                    end=at + len(entity.name_zh),
                    text=entity.name_zh,
                    status=Mention.Status.CONFIRMED if confirmed else Mention.Status.SUGGESTED,
                    **{kind: entity},
                )
            )
        article.raw_text = "\n\n".join(p.text for p in own)

        for paragraph, count in zip(
            text_paragraphs, _spread(pools["annotations"][n], len(text_paragraphs)), strict=True
        ):
            low = free_from.get(paragraph.anchor, 0)
            width = (len(paragraph.text) - low) // max(count, 1)
            for slot in range(count):
                start = low + slot * width + rng.randint(0, width // 2)
                end = min(start + rng.randint(2, 12), low + (slot + 1) * width)
                notes.append(_note(article, paragraph, start, max(start, end), corpus))
        for paragraph in rng.sample(text_paragraphs, min(pools["quotes"][n], len(text_paragraphs))):
            clauses = [c[:-1] for c in CLAUSE.findall(paragraph.text) if len(c) > 5]
            if clauses:
                quotes.append(_quote(paragraph, rng.choice(clauses), corpus, pools["people"]))

    Article.objects.bulk_create(articles)
    Article.topics.through.objects.bulk_create(topic_links)
    Section.objects.bulk_create(sections)
    Paragraph.objects.bulk_create(paragraphs)
    Mention.objects.bulk_create(mentions)
    Annotation.objects.bulk_create(notes)
    Quote.objects.bulk_create(quotes)
    return articles


def _note(article: Article, paragraph: Paragraph, start: int, end: int, corpus: Corpus) -> Annotation:
    """A note on text[start:end]: public ones of the kinds editors write, internal ingest warnings."""
    rng = corpus.rng
    selector = make_selector(paragraph.text, start, end)
    public = rng.random() < 0.6
    if public:
        body = f"**核實說明**：{corpus.words(20, 60)}"
        if rng.random() < 0.3:
            body += f" 見[原文](https://example.com/source/{rng.randint(1, 99999)})。"
        if rng.random() < 0.2:
            body += f"\n\n- {corpus.phrase(12)}\n- {corpus.phrase(12)}"
    else:
        body = f"Ingest: “{corpus.phrase(16)}” needs an editor."
    return Annotation(
        article=article,
        paragraph=paragraph,
        kind=rng.choice(NOTE_KINDS) if public else Annotation.Kind.INGEST_WARNING,
        visibility=Annotation.Visibility.PUBLIC if public else Annotation.Visibility.INTERNAL,
        status=Annotation.Status.RESOLVED if rng.random() < 0.3 else Annotation.Status.OPEN,
        body=body,
        exact=selector.exact,
        prefix=selector.prefix,
        suffix=selector.suffix,
        start=selector.start,
        end=selector.end,
    )


def _quote(paragraph: Paragraph, text: str, corpus: Corpus, people: list[Person]) -> Quote:
    rng = corpus.rng
    speaker = rng.choice(people) if people and rng.random() < 0.5 else None
    return Quote(
        text=text,
        speaker=speaker,
        speaker_description="" if speaker else rng.choice(SPEAKERS),
        speaker_role=rng.choice(ROLES),
        occasion=rng.choice(OCCASIONS),
        paragraph=paragraph,
        featured=rng.random() < 0.001,
    )


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, as autovacuum would in production.

    Without them (autovacuum may be off, or not have run yet) every join over the new rows is planned
    for empty tables, and each publish reads whole tables.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def _search_indexed_at_the_end() -> Iterator[None]:
    """Leave the index alone while publishing: `search_rebuild` then makes what each publish would have.

    Indexing is most of what a publish costs, and a rebuild indexes the same live versions in batches.
    """
    uid = "search_version_published"
    version_published.disconnect(dispatch_uid=uid)
    try:
        yield
    finally:
        version_published.connect(version_went_live, dispatch_uid=uid)


def generate_scale(spec: ScaleSpec, *, progress: Progress | None = None, store_renders: bool = False) -> dict:
    """Make `spec.articles` published articles with their rows; return the counts and seconds per step.

    Publishing renders every page and API document of the new version after it commits, as a cache the
    first request fills when it is missing; `store_renders` keeps that, which multiplies the time.
    """
    say = progress or (lambda message: None)
    corpus = Corpus(random.Random(spec.seed))
    entities = _entities()
    if not entities:
        raise RuntimeError("No published company or person to mention: load the seed first.")
    pools = {
        "anchors": _Anchors(),
        "entities": entities,
        "people": [entity for kind, entity in entities if kind == "person"],
        "topics": list(Topic.objects.values_list("pk", flat=True)),
        # What each article gets of every total, so that the totals come out exact.
        "paragraphs": _spread(spec.paragraphs, spec.articles),
        "quotes": _spread(spec.quotes, spec.articles),
        "annotations": _spread(spec.annotations, spec.articles),
        "mentions": _spread(spec.mentions, spec.articles),
    }
    # A run that was interrupted goes on where its last committed chunk ended, with the same clock.
    state = scale_state(spec)
    if state == State.READY:
        return {"seconds": {}, "counts": (scale_marker() or {}).get("report", {}).get("counts")}
    if state == State.FOREIGN:
        raise RuntimeError("This database holds other generated data: generate into a fresh one.")
    marker = scale_marker()
    if marker is None:
        now = timezone.now()
        _record_marker(spec, state="partial", now=now.isoformat())
    else:
        now = datetime.fromisoformat(marker["now"])
    resumed_at = _generated()
    report: dict = {"seconds": {}, "resumed_at": resumed_at}

    started = time.monotonic()
    spent = {"insert": 0.0, "publish": 0.0}
    for chunk, first in enumerate(range(0, spec.articles, ARTICLES_PER_CHUNK), start=1):
        if first < resumed_at:
            continue
        numbers = range(first, min(first + ARTICLES_PER_CHUNK, spec.articles))
        # Each chunk draws from its own stream, so a resumed run makes what an uninterrupted one would.
        corpus.rng = random.Random(f"{spec.seed}:{first}")
        renders = override_settings(READER_STORED_RENDERS=store_renders)
        with renders, transaction.atomic(), _search_indexed_at_the_end():
            mark = time.monotonic()
            articles = _insert_chunk(numbers, spec, corpus, pools, now)
            spent["insert"] += time.monotonic() - mark
            mark = time.monotonic()
            for article in articles:
                article_publish_version(article, comment="Published by the benchmark's generator")
            spent["publish"] += time.monotonic() - mark
        if chunk & (chunk - 1) == 0:  # whenever the tables have doubled
            _analyze()
        done = numbers.stop
        say(f"articles: {done:,} of {spec.articles:,} published ({time.monotonic() - started:.0f} s)")
    report["seconds"].update({name: round(value, 1) for name, value in spent.items()})

    _analyze()
    mark = time.monotonic()
    search_rebuild(progress=lambda unit, done, total: say(f"search index, {unit}: {done:,} of {total:,}"))
    report["seconds"]["search_rebuild"] = round(time.monotonic() - mark, 1)
    report["seconds"]["total"] = round(time.monotonic() - started, 1)

    generated = Article.objects.filter(slug__startswith=SLUG_PREFIX)
    report["counts"] = {
        "articles": generated.count(),
        "paragraphs": Paragraph.objects.filter(section__article__in=generated).count(),
        "quotes": Quote.objects.filter(paragraph__section__article__in=generated).count(),
        "annotations": Annotation.objects.filter(article__in=generated).count(),
        "mentions": Mention.objects.filter(paragraph__section__article__in=generated).count(),
    }
    _record_marker(spec, state="complete", now=now.isoformat(), report=report)
    return report
