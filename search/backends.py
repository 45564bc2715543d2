"""The part of the index the ORM cannot declare: an SQLite FTS5 table and a PostgreSQL GIN index.

Both index the same thing, `SearchDocument.tokens`, a space-separated list of tokens made by
`search.text`; neither backend tokenises on its own, so they hold the same tokens and give the same
results. SQLite: an external-content FTS5 table with the `ascii` tokenizer, which splits only on ASCII
punctuation and spaces (our tokens hold none), kept in sync by triggers on the documents table.
PostgreSQL: an expression GIN index on `array_to_tsvector(string_to_array(tokens, ' '))`, which takes each
token verbatim as a lexeme — unlike `to_tsvector`, whose parser splits CJK text by the server's locale.

Reading the newest matches (`NewestMatches`): a document's key holds its bucket (kind and month of
publication, `search.models.document_key`) above its source, so the newest documents of a kind have the
highest keys. FTS5 walks a token's row ids in descending order and stops at the limit. A GIN index cannot
return rows in key order, so PostgreSQL's index also holds lexemes naming the blocks of buckets each
document is in (`~<level>.<bucket >> 2 * level>`: its month, its run of 4 months, of 16… up to its whole
kind; no search token holds a `~`), and the function `search_newest_matches` (made by the migration)
asks the index for one group of blocks after another, newest first, each a bitmap scan, until it has
enough: the cost follows the documents read, never every match of a common character. A group names at
most a few blocks, each as one lexeme: a word found in few documents of a kind is read to the end in a
handful of reads of a few lexemes each, where naming every month of a long span would make the index
test each candidate against dozens of them. The function allows bitmap scans only: the planner cannot
know that a block's rows sit in one key range, nor what testing a row's tokens costs, and would
otherwise walk the primary key testing each row, or scan the table, for a common character (seconds at
200,000 paragraphs).
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import NotSupportedError, models
from django.db.models import Lookup

FTS_TABLE = "search_fts"
DOCUMENTS_TABLE = "search_searchdocument"
GIN_INDEX = "search_doc_tokens_gin"
# Bits of a document key below its bucket (search.models.document_key).
BUCKET_SHIFT = 32
BUCKET_LEXEME = "~"
# Blocks of 4 ** level buckets; the last level spans a whole kind (search.models: 12 bits of month).
BLOCK_LEVELS = 7
TOKEN_VECTOR = (
    "array_to_tsvector(string_to_array({tokens}, ' ') || ARRAY["
    + ", ".join(
        f"'{BUCKET_LEXEME}{level}.' || ({{id}} >> {BUCKET_SHIFT + 2 * level})::text"
        for level in range(BLOCK_LEVELS)
    )
    + "])"
)
NEWEST_FUNCTION = "search_newest_matches"
# The groups of buckets PostgreSQL reads span 1, 1, BUCKET_GROWTH, BUCKET_GROWTH ** 2… buckets at most,
# in at most BLOCKS_PER_READ blocks each.
BUCKET_GROWTH = 4
BLOCKS_PER_READ = 10

# Named here for the tests that check the migration made them.
SQLITE_TRIGGERS = ("search_fts_insert", "search_fts_delete", "search_fts_update")


@contextmanager
def built_afterwards(connection):
    """Drop the full-text structures while the caller fills an empty documents table, then build them.

    Building FTS5's index or a GIN index once over all rows is several times faster than keeping it
    current row by row. The definitions are read back from the database, as the migration made them.
    Use inside a transaction: if filling fails, the structures come back with the rollback. On
    PostgreSQL searches wait for the transaction meanwhile (the index is dropped inside it).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            names = ", ".join(f"'{name}'" for name in SQLITE_TRIGGERS)
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
            )
            definitions = cursor.fetchall()
            drops = [f"DROP TRIGGER {name}" for name, _ in definitions]
            creates = [f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"]
        else:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = %s", [GIN_INDEX])
            definitions = cursor.fetchall()
            drops, creates = [f"DROP INDEX {name}" for name, _ in definitions], []
        for statement in drops:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows just written have their foreign keys checked at commit; PostgreSQL builds no index
            # on a table with such checks pending, so run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in creates + [sql for _, sql in definitions]:
            cursor.execute(statement)


def resync(connection) -> None:
    """Rebuild SQLite's FTS table from the documents table; PostgreSQL's index never drifts."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


@dataclass(frozen=True, slots=True)
class Window:
    """The `size` newest documents in buckets `first` to `last` that hold every token of `query`.

    `query` is a `search.text.ParsedQuery`; newest means the highest key, so the window is the same set
    on both backends.
    """

    query: object
    first: int
    last: int
    size: int

    @property
    def key_range(self) -> tuple[int, int]:
        return self.first << BUCKET_SHIFT, ((self.last + 1) << BUCKET_SHIFT) - 1

    def block_groups(self) -> list[list[tuple[int, int]]]:
        """Return the buckets from the last to the first in groups of (level, block), as PostgreSQL reads.

        Block `b` of `level` holds buckets `b * 4 ** level` to `(b + 1) * 4 ** level - 1`. The groups span
        at most 1, 1, 4, 16… buckets, in at most BLOCKS_PER_READ blocks each as large as its alignment and
        the group allow: the newest month is often a partial one, and a common character fills its window
        from the month before, where a group of four months would read every match of four months. A
        group is read only when the newer ones held too few matches, so each read finds a few times as
        many as all before it, and a word found nowhere costs a handful of reads.
        """
        groups, bucket = [], self.last
        while bucket >= self.first:
            allowed, group = BUCKET_GROWTH ** max(0, len(groups) - 1), []
            while bucket >= self.first and allowed and len(group) < BLOCKS_PER_READ:
                level = 0
                while (
                    level + 1 < BLOCK_LEVELS
                    and 4 ** (level + 1) <= allowed
                    and (bucket + 1) % 4 ** (level + 1) == 0
                    and bucket + 1 - 4 ** (level + 1) >= self.first
                ):
                    level += 1
                group.append((level, bucket >> 2 * level))
                bucket -= 4**level
                allowed -= 4**level
            groups.append(group)
        return groups

    def bucket_groups(self) -> list[list[int]]:
        """Return the buckets each group of `block_groups` spans, newest first."""
        return [
            [
                bucket
                for level, block in group
                for bucket in range((block + 1) * 4**level - 1, block * 4**level - 1, -1)
            ]
            for group in self.block_groups()
        ]

    def bucket_queries(self) -> list[str]:
        """Return the query for each group of blocks, as PostgreSQL tsquery text, newest first."""
        query = self.query.tsquery()
        return [
            f"({query}) & ({' | '.join(f"'{BUCKET_LEXEME}{level}.{block}'" for level, block in group)})"
            for group in self.block_groups()
        ]


class DocumentKeyField(models.BigIntegerField):
    """A 64-bit primary key given by the caller, which SQLite keeps as the row id FTS5 refers to.

    Only a column declared `integer primary key` is SQLite's row id; Django's `bigint` would make it a
    second, indexed column, and every FTS5 hit one more index lookup.
    """

    def db_type(self, connection):
        return "integer" if connection.vendor == "sqlite" else super().db_type(connection)


class TokensField(models.TextField):
    """Space-separated search tokens; `tokens__matches=<ParsedQuery>` looks them up in the index."""


def _column(compiler, connection, lhs, name: str) -> str:
    return f"{compiler.quote_name(lhs.alias)}.{connection.ops.quote_name(name)}"


@TokensField.register_lookup
class Matches(Lookup):
    """Tell whether a document holds every token of a `search.text.ParsedQuery`, using the index.

    A lookup rather than an expression: SQLite has no boolean type, and Django would compare a boolean
    expression with `= 1`, which keeps SQLite from driving the query from the FTS5 row ids.
    """

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"Search supports SQLite and PostgreSQL, not {connection.vendor}.")

    def as_sqlite(self, compiler, connection):
        # FTS5 rows share their rowid with the document: filter the primary key of the tokens' table.
        pk_sql = _column(compiler, connection, self.lhs, self.lhs.target.model._meta.pk.column)
        return f"{pk_sql} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", (self.rhs.fts5(),)

    def as_postgresql(self, compiler, connection):
        tokens_sql = _column(compiler, connection, self.lhs, self.lhs.target.column)
        pk_sql = _column(compiler, connection, self.lhs, self.lhs.target.model._meta.pk.column)
        return f"{TOKEN_VECTOR.format(tokens=tokens_sql, id=pk_sql)} @@ %s::tsquery", (self.rhs.tsquery(),)


@TokensField.register_lookup
class NewestMatches(Lookup):
    """Tell whether a document is among the newest matches of any of a tuple of `Window`s.

    Each window is read from the index newest first and stops at its size, whatever the number of
    matches; the windows' documents are then fetched by primary key.
    """

    lookup_name = "newest"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"Search supports SQLite and PostgreSQL, not {connection.vendor}.")

    def as_sqlite(self, compiler, connection):
        pk_sql = _column(compiler, connection, self.lhs, self.lhs.target.model._meta.pk.column)
        parts, params = [], []
        for window in self.rhs:
            parts.append(
                f"SELECT rowid FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                "AND rowid BETWEEN %s AND %s ORDER BY rowid DESC LIMIT %s)"
            )
            params += [window.query.fts5(), *window.key_range, window.size]
        return f"{pk_sql} IN ({' UNION ALL '.join(parts)})", tuple(params)

    def as_postgresql(self, compiler, connection):
        pk_sql = _column(compiler, connection, self.lhs, self.lhs.target.model._meta.pk.column)
        calls = [f"SELECT * FROM {NEWEST_FUNCTION}(%s::tsquery[], %s)" for _ in self.rhs]
        params = [value for window in self.rhs for value in (window.bucket_queries(), window.size)]
        # An array, not IN (subquery): the documents are then fetched by primary key, whatever the
        # planner guesses of the function's row count.
        return f"{pk_sql} = ANY(ARRAY({' UNION ALL '.join(calls)}))", tuple(params)
