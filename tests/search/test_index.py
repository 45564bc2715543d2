"""The queries search() sends go through the full-text index, on SQLite and on PostgreSQL.

Each test EXPLAINs the very SQL that search() executed (captured from the connection), not a query
rebuilt for the test. What they prove, and what they do not:
- SQLite: the plan reads row ids from the FTS5 table through its MATCH index ("VIRTUAL TABLE INDEX n:M")
  and fetches documents by primary key; the documents table is never scanned.
- PostgreSQL, small table: with sequential scans disabled the plan is a bitmap scan of our GIN index,
  which shows the query's condition is the indexed expression. It does not show the planner would pick
  the index on its own for a table this small (it should not: a scan is cheaper there).
- PostgreSQL, thousands of rows and fresh statistics: the planner picks the GIN index unforced for a
  selective query.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Paragraph, Section
from search.backends import FTS_TABLE, GIN_INDEX, SQLITE_TRIGGERS
from search.models import SearchDocument
from search.selectors import search
from search.text import document_tokens
from tests.factories import make_article, make_company, publish

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")


def executed_by_search(query: str, **options) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        results = search(query, **options)
    assert results.total, "the plan of a query that finds nothing proves little"
    assert len(captured.captured_queries) == 2
    return [query["sql"] for query in captured.captured_queries]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def content(db):
    make_article("大模型的算力競賽。", "OpenAI的GPT-4與算力。", "與此無關的一段：天氣很好。")
    make_company("算力科技", "Compute Inc", summary="賣算力的公司")


@sqlite_only
@pytest.mark.parametrize("query", ["算力", "算", "OpenAI 算力", "gpt"])
def test_sqlite_reads_matches_from_the_fts5_index_and_never_scans_documents(content, query):
    for sql in executed_by_search(query):
        assert f"{FTS_TABLE} MATCH" in sql
        plan = explain(sql)
        assert f"SCAN {FTS_TABLE} VIRTUAL TABLE INDEX" in plan and ":M" in plan, plan
        assert "SEARCH search_searchdocument USING INTEGER PRIMARY KEY" in plan, plan
        assert "SCAN search_searchdocument" not in plan, plan


@postgresql_only
@pytest.mark.parametrize("query", ["算力", "算", "OpenAI 算力", "gpt"])
def test_postgresql_query_condition_is_the_gin_indexed_expression(content, query):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for sql in executed_by_search(query):
        assert "@@" in sql and "array_to_tsvector(string_to_array(" in sql
        plan = explain(sql)
        assert f"Bitmap Index Scan on {GIN_INDEX}" in plan, plan
        assert "Seq Scan on search_searchdocument" not in plan, plan


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
def test_postgresql_planner_chooses_the_gin_index_unforced_on_a_real_table(many_documents):
    for sql in executed_by_search("罕見"):
        plan = explain(sql)
        assert f"Bitmap Index Scan on {GIN_INDEX}" in plan, plan
        assert "Seq Scan on search_searchdocument" not in plan, plan


@sqlite_only
def test_sqlite_plan_is_the_same_on_a_real_table(many_documents):
    for sql in executed_by_search("罕見"):
        plan = explain(sql)
        assert "SCAN search_searchdocument" not in plan and f"{FTS_TABLE} VIRTUAL TABLE INDEX" in plan, plan


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
