"""The part of the index the ORM cannot declare: an SQLite FTS5 table and a PostgreSQL GIN index.

Both index the same thing, `SearchDocument.tokens`, a space-separated list of tokens made by
`search.text`; neither backend tokenises on its own, so they hold the same tokens and give the same
results. SQLite: an external-content FTS5 table with the `ascii` tokenizer, which splits only on ASCII
punctuation and spaces (our tokens hold none), kept in sync by triggers on the documents table.
PostgreSQL: an expression GIN index on `array_to_tsvector(string_to_array(tokens, ' '))`, which takes each
token verbatim as a lexeme — unlike `to_tsvector`, whose parser splits CJK text by the server's locale.
"""

from django.db import NotSupportedError, models
from django.db.models import Lookup

FTS_TABLE = "search_fts"
DOCUMENTS_TABLE = "search_searchdocument"
GIN_INDEX = "search_doc_tokens_gin"
TOKEN_VECTOR = "array_to_tsvector(string_to_array({tokens}, ' '))"

# Named here for the tests that check the migration made them.
SQLITE_TRIGGERS = ("search_fts_insert", "search_fts_delete", "search_fts_update")


def resync(connection) -> None:
    """Rebuild SQLite's FTS table from the documents table; PostgreSQL's index never drifts."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


class TokensField(models.TextField):
    """Space-separated search tokens; `tokens__matches=<ParsedQuery>` looks them up in the index."""


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
        pk_column = self.lhs.target.model._meta.pk.column
        pk_sql = f"{compiler.quote_name(self.lhs.alias)}.{connection.ops.quote_name(pk_column)}"
        return f"{pk_sql} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", (self.rhs.fts5(),)

    def as_postgresql(self, compiler, connection):
        tokens_sql, tokens_params = self.process_lhs(compiler, connection)
        sql = f"{TOKEN_VECTOR.format(tokens=tokens_sql)} @@ %s::tsquery"
        return sql, (*tokens_params, self.rhs.tsquery())
