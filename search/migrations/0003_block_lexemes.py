# PostgreSQL's GIN index names each document's blocks of buckets (its month, its run of 4 months, of 16…
# up to its whole kind) instead of its month alone, so that a read of a long span names a few lexemes, not
# one per month (search.backends explains why). The function reading the newest matches tests the same
# expression. SQLite's FTS5 table reads key ranges and is unchanged.

from django.db import migrations

OLD_VECTOR = "array_to_tsvector(string_to_array(tokens, ' ') || ('~' || (id >> 32)::text))"
NEW_VECTOR = (
    "array_to_tsvector(string_to_array(tokens, ' ') || ARRAY["
    + ", ".join(f"'~{level}.' || (id >> {32 + 2 * level})::text" for level in range(7))
    + "])"
)
FUNCTION = """
CREATE OR REPLACE FUNCTION search_newest_matches(reads tsquery[], size integer) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
SET enable_indexscan = off
AS $$
DECLARE
    one_read tsquery;
    found integer := 0;
    got integer;
BEGIN
    FOREACH one_read IN ARRAY reads LOOP
        RETURN QUERY
            SELECT id FROM search_searchdocument
            WHERE {vector} @@ one_read
            ORDER BY id DESC
            LIMIT size - found;
        GET DIAGNOSTICS got = ROW_COUNT;
        found := found + got;
        EXIT WHEN found >= size;
    END LOOP;
END
$$
"""


def _statements(vector: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_doc_tokens_gin",
        f"CREATE INDEX search_doc_tokens_gin ON search_searchdocument USING gin (({vector}))",
        FUNCTION.replace("{vector}", vector),
    ]


def _run(vector: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in _statements(vector):
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_documents_keyed_newest_first"),
    ]

    operations = [migrations.RunPython(_run(NEW_VECTOR), _run(OLD_VECTOR))]
