"""The queries search() sends go through the full-text index, on SQLite and on PostgreSQL.

Each test EXPLAINs the very SQL that search() executed (captured from the connection), not a query
rebuilt for the test. search() sends two: the first reads each type's newest matches from the index, the
second fetches the page's documents by primary key. What the tests prove, and what they do not:
- SQLite: the first plan reads row ids from the FTS5 table through its MATCH index ("VIRTUAL TABLE INDEX
  n:M", with the row id range and order) and fetches documents by primary key; no plan scans a table.
- PostgreSQL, small table: with sequential scans disabled the first plan is bitmap scans of our GIN
  index, which shows the query's conditions are the indexed expression. It does not show the planner
  would pick the index on its own for a table this small (it should not: a scan is cheaper there).
- PostgreSQL, thousands of rows and fresh statistics: the planner picks the GIN index unforced, for a
  rare word and for one in every document, and never walks the primary key testing each row.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Paragraph, Section
from search.backends import (
    BLOCKS_PER_READ,
    BUCKET_SHIFT,
    FTS_TABLE,
    GIN_INDEX,
    NEWEST_FUNCTION,
    SQLITE_TRIGGERS,
    TOKEN_VECTOR,
    Window,
)
from search.models import SearchDocument, kind_buckets
from search.selectors import MAX_RANKED, search
from search.services import search_rebuild
from search.text import document_tokens, parse_query
from tests.factories import make_article, make_company, publish

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")


def executed_by_search(query: str, **options) -> tuple[str, str]:
    with CaptureQueriesContext(connection) as captured:
        results = search(query, **options)
    assert results.hits, "the plan of a query that finds nothing proves little"
    assert len(captured.captured_queries) == 2
    windows, page = (query["sql"] for query in captured.captured_queries)
    return windows, page


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_sqlite_reads_the_index(windows: str, page: str) -> None:
    assert f"{FTS_TABLE} MATCH" in windows and "ORDER BY rowid DESC LIMIT" in windows
    plan = explain(windows)
    assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX" in plan and ":M" in plan, plan
    assert "SEARCH search_searchdocument USING INTEGER PRIMARY KEY" in plan, plan
    # Besides the index, only the windows' matches are scanned: numbered, counted and sorted.
    scans = [line for line in plan.splitlines() if line.startswith("SCAN ")]
    allowed = (f"SCAN {FTS_TABLE} ", "SCAN (subquery", "SCAN numbered", "SCAN page")
    assert all(line.startswith(allowed) for line in scans), plan
    assert "SCAN search_searchdocument" not in plan, plan
    plan = explain(page)
    assert f"{FTS_TABLE}" not in page
    assert "SEARCH search_searchdocument USING INTEGER PRIMARY KEY" in plan and "SCAN " not in plan, plan


def newest_reads_plan(query: str) -> str:
    """EXPLAIN each read `search_newest_matches` makes for `query`, under the settings it declares."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = %s", [NEWEST_FUNCTION])
        (settings,) = cursor.fetchone()
        assert sorted(settings) == ["enable_indexscan=off", "enable_seqscan=off"]
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting.replace('=', ' = ')}")
        vector = TOKEN_VECTOR.format(tokens="tokens", id="id")
        plans = []
        for kind in ("company", "paragraph"):
            window = Window(parse_query(query), *kind_buckets(kind, timezone.now()), size=MAX_RANKED + 1)
            for read in window.bucket_queries():
                cursor.execute(
                    f"EXPLAIN SELECT id FROM search_searchdocument WHERE {vector} @@ %s::tsquery "
                    "ORDER BY id DESC LIMIT 1001",
                    [read],
                )
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    return "\n".join(plans)


def assert_postgresql_reads_the_index(query: str, windows: str, page: str) -> None:
    assert f"{NEWEST_FUNCTION}(" in windows
    plan = explain(windows)
    assert (
        f"Function Scan on {NEWEST_FUNCTION}" in plan and "Seq Scan on search_searchdocument" not in plan
    ), plan
    # Each read of the function: a bitmap scan of the GIN index for the query and a group of buckets;
    # never a walk of the primary key testing each row's tokens, which costs seconds at scale.
    plan = newest_reads_plan(query)
    assert plan.count(f"Bitmap Index Scan on {GIN_INDEX}") == plan.count("Limit") > 0, plan
    assert "Seq Scan" not in plan and "Index Scan Backward" not in plan, plan
    plan = explain(page)
    assert "search_searchdocument_pkey" in plan and "Seq Scan on search_searchdocument" not in plan, plan


@pytest.fixture
def content(db):
    make_article("大模型的算力競賽。", "OpenAI的GPT-4與算力。", "與此無關的一段：天氣很好。")
    make_company("算力科技", "Compute Inc", summary="賣算力的公司")


@sqlite_only
@pytest.mark.parametrize("query", ["算力", "算", "OpenAI 算力", "gpt"])
def test_sqlite_reads_matches_from_the_fts5_index_and_never_scans_documents(content, query):
    assert_sqlite_reads_the_index(*executed_by_search(query))


@postgresql_only
@pytest.mark.parametrize("query", ["算力", "算", "OpenAI 算力", "gpt"])
def test_postgresql_query_condition_is_the_gin_indexed_expression(content, query):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert_postgresql_reads_the_index(query, *executed_by_search(query))


@pytest.fixture
def many_documents(db):
    """Thousands of indexed paragraphs with statistics, so the planner weighs a real table."""
    article = make_article(sections=0)
    section = Section.objects.create(article=article, position=1)
    texts = [f"第{n}段：普通的新聞內容，編號{n}。" for n in range(5000)] + ["罕見詞彙出現在這裡。"]
    Paragraph.objects.bulk_create(Paragraph(section=section, position=n, text=t) for n, t in enumerate(texts))
    publish(article)  # which indexes the live version
    assert SearchDocument.objects.count() == len(texts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@postgresql_only
@pytest.mark.parametrize("query", ["罕見", "普通", "新聞 編號"])
def test_postgresql_planner_chooses_the_gin_index_unforced_on_a_real_table(many_documents, query):
    assert_postgresql_reads_the_index(query, *executed_by_search(query))


@sqlite_only
@pytest.mark.parametrize("query", ["罕見", "普通", "新聞 編號"])
def test_sqlite_plan_is_the_same_on_a_real_table(many_documents, query):
    assert_sqlite_reads_the_index(*executed_by_search(query))


def test_a_common_word_is_answered_from_the_newest_window_of_each_type(many_documents):
    results = search("普通", types=["paragraph"], limit=5)
    assert results.counts == {"paragraph": MAX_RANKED} and results.capped == {"paragraph"}
    assert results.total == MAX_RANKED and results.total_capped
    # Every paragraph says 普通 once: ties go to reading order, within the newest MAX_RANKED of the 5,000.
    expected = Paragraph.objects.filter(position__in=range(5000 - MAX_RANKED, 5005 - MAX_RANKED))
    assert [hit.anchor for hit in results.hits] == list(
        expected.order_by("position").values_list("anchor", flat=True)
    )
    assert not search("罕見").total_capped


def test_postgresql_reads_buckets_newest_first_in_growing_groups():
    window = Window(query=None, first=10, last=60, size=5)
    groups = window.bucket_groups()
    assert groups[:3] == [[60], [59], [58, 57, 56, 55]]
    assert [len(group) for group in groups] == [1, 1, 4, 16, 29]
    assert [bucket for group in groups for bucket in group] == list(range(60, 9, -1))
    assert window.key_range == (10 << BUCKET_SHIFT, (61 << BUCKET_SHIFT) - 1)


@pytest.mark.parametrize("first, last", [(10, 60), (3 << 12, (3 << 12) + 323), (4 << 12, (4 << 12) + 4095)])
def test_each_read_names_a_few_aligned_blocks_whatever_the_span(first, last):
    window = Window(query=None, first=first, last=last, size=5)
    groups = window.block_groups()
    # Blocks cover the buckets once each, newest first, each aligned to its size.
    covered = [bucket for group in window.bucket_groups() for bucket in group]
    assert covered == list(range(last, first - 1, -1))
    for number, group in enumerate(groups):
        assert 0 < len(group) <= BLOCKS_PER_READ
        assert sum(4**level for level, _ in group) <= 4 ** max(0, number - 1)
    # Five years of months, or a whole kind, in a handful of reads.
    assert len(groups) <= 8


@postgresql_only
def test_a_documents_vector_names_every_block_it_is_in(content):
    document = SearchDocument.objects.filter(kind="paragraph").first()
    bucket = document.pk >> BUCKET_SHIFT
    with connection.cursor() as cursor:
        vector = TOKEN_VECTOR.format(tokens="tokens", id="id")
        cursor.execute(f"SELECT {vector}::text FROM search_searchdocument WHERE id = %s", [document.pk])
        (lexemes,) = cursor.fetchone()
    for level in range(7):
        assert f"'~{level}.{bucket >> 2 * level}'" in lexemes


@sqlite_only
def test_fts5_table_follows_every_insert_update_and_delete_of_documents(db):
    def fts_rowids(token: str) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [f'"{token}"'])
            return {row[0] for row in cursor.fetchall()}

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert set(SQLITE_TRIGGERS) <= {row[0] for row in cursor.fetchall()}

    article = make_article("算力")
    document = SearchDocument.objects.get(article=article)
    assert fts_rowids("算力") == {document.pk}
    SearchDocument.objects.filter(pk=document.pk).update(tokens=document_tokens("晶片"))
    assert fts_rowids("算力") == set() and fts_rowids("晶片") == {document.pk}
    SearchDocument.objects.filter(pk=document.pk).delete()
    assert fts_rowids("晶片") == set()


def full_text_structures() -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search_fts%' ORDER BY name"
            )
        else:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = %s", [GIN_INDEX])
        return cursor.fetchall()


def test_a_rebuild_into_an_empty_index_builds_the_same_structures_once_at_the_end(content):
    before = full_text_structures()
    assert before
    found = [hit.url for hit in search("算力", limit=100).hits]
    SearchDocument.objects.all().delete()
    assert search("算力").total == 0
    search_rebuild()
    assert full_text_structures() == before
    assert [hit.url for hit in search("算力", limit=100).hits] == found
    # The triggers work again: a new document is found at once.
    make_article("重建之後的晶片。")
    assert search("晶片").total == 1


def test_an_empty_index_is_rebuilt_over_a_site_with_content(db):
    # Filling an empty index drops and rebuilds its full-text structure in one transaction; on
    # PostgreSQL that needs the new rows' foreign-key checks run first, as after a migrate with content.
    article = make_article("月之暗面發布了新模型。")
    make_company("月之暗面", slug="moonshot", published=True)
    SearchDocument.objects.all().delete()
    search_rebuild()
    assert SearchDocument.objects.filter(article=article).exists()
    assert search("月之暗面").total >= 1
