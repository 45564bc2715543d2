# The documents table again, keyed by kind, month of publication and source so that both backends read a
# query's newest matches straight from their index; paragraphs are the live version's, with no foreign key
# to the working copy. The index is derived data: it is dropped here and refilled after migrate
# (search.apps.build_empty_index).

import django.db.models.deletion
import django.db.models.expressions
import search.backends
from django.db import migrations, models

OLD_SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "tokens, content='search_searchdocument', content_rowid='id', tokenize='ascii')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE OF tokens ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
# The same FTS5 table and triggers over the new table: its rowid is the document key.
NEW_SQLITE = OLD_SQLITE
OLD_POSTGRESQL = [
    "CREATE INDEX search_doc_tokens_gin ON search_searchdocument "
    "USING gin (array_to_tsvector(string_to_array(tokens, ' ')))",
]
DROP_POSTGRESQL = ["DROP INDEX IF EXISTS search_doc_tokens_gin"]
# Each document's tokens and its bucket (`~` and the key's high bits), as search.backends.TOKEN_VECTOR;
# and the reads of the newest matches, one group of buckets after another, bitmap scans only
# (search.backends.NewestMatches explains why).
NEW_POSTGRESQL = [
    "CREATE INDEX search_doc_tokens_gin ON search_searchdocument "
    "USING gin ((array_to_tsvector(string_to_array(tokens, ' ') || ('~' || (id >> 32)::text))))",
    """
    CREATE FUNCTION search_newest_matches(reads tsquery[], size integer) RETURNS SETOF bigint
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
                WHERE array_to_tsvector(string_to_array(tokens, ' ') || ('~' || (id >> 32)::text)) @@ one_read
                ORDER BY id DESC
                LIMIT size - found;
            GET DIAGNOSTICS got = ROW_COUNT;
            found := found + got;
            EXIT WHEN found >= size;
        END LOOP;
    END
    $$
    """,
]
DROP_NEW_POSTGRESQL = [
    "DROP FUNCTION IF EXISTS search_newest_matches(tsquery[], integer)",
    "DROP INDEX IF EXISTS search_doc_tokens_gin",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(f"Search supports SQLite and PostgreSQL, not {vendor}.")
        for statement in statements_by_vendor[vendor]:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0004_published_versions'),
        ('landscape', '0001_initial'),
        ('search', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": DROP_SQLITE, "postgresql": DROP_POSTGRESQL}),
            _run({"sqlite": OLD_SQLITE, "postgresql": OLD_POSTGRESQL}),
        ),
        migrations.DeleteModel(name='SearchDocument'),
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('id', search.backends.DocumentKeyField(help_text='Kind, month of publication and source in one number: `document_key`.', primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('company', '公司'), ('person', '人物'), ('quote', '引語'), ('paragraph', '段落')], max_length=16)),
                ('object_id', models.BigIntegerField(help_text='The primary key of the row this document indexes.')),
                ('title', models.CharField(max_length=300)),
                ('url', models.CharField(max_length=500)),
                ('anchor', models.CharField(blank=True, help_text='The paragraph anchor, if any.', max_length=32)),
                ('publish_at', models.DateTimeField(blank=True, help_text='When the article is (or becomes) public: hidden until then; newer ranks first on ties.', null=True)),
                ('position', models.BigIntegerField(default=0, help_text='Order of paragraphs within their article.')),
                ('text', models.TextField(help_text='The searchable text as written; snippets are cut from it.')),
                ('names', models.TextField(blank=True, help_text='Normalised names; a query found here ranks first.')),
                ('normalised', models.TextField(blank=True, help_text='The text normalised by search.text.normalise.')),
                ('tokens', search.backends.TokensField(blank=True, help_text='Space-separated tokens; the full-text index holds them.')),
                ('indexed_at', models.DateTimeField(auto_now=True)),
                ('article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.article')),
                ('company', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='landscape.company')),
                ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='landscape.person')),
                ('quote', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='landscape.quote')),
            ],
            options={
                'ordering': ['kind', 'object_id'],
                'constraints': [
                    models.UniqueConstraint(fields=('kind', 'object_id'), name='search_document_unique_source'),
                    models.CheckConstraint(condition=models.Q(models.Q(('kind', 'paragraph'), ('quote__isnull', True), ('company__isnull', True), ('person__isnull', True), ('article__isnull', False)), models.Q(('kind', 'quote'), ('quote', models.F('object_id')), ('quote__isnull', False), ('company__isnull', True), ('person__isnull', True), ('article__isnull', False)), models.Q(('kind', 'company'), ('company', models.F('object_id')), ('company__isnull', False), ('quote__isnull', True), ('person__isnull', True), ('article__isnull', True)), models.Q(('kind', 'person'), ('person', models.F('object_id')), ('person__isnull', False), ('quote__isnull', True), ('company__isnull', True), ('article__isnull', True)), _connector='OR'), name='search_document_one_source'),
                    models.CheckConstraint(condition=models.Q(('object_id', django.db.models.expressions.CombinedExpression(models.F('id'), '&', models.Value(4294967295))), models.Q(models.Q(('id__gte', 17592186044416), ('id__lte', 35184372088831), ('kind', 'company')), models.Q(('id__gte', 35184372088832), ('id__lte', 52776558133247), ('kind', 'person')), models.Q(('id__gte', 52776558133248), ('id__lte', 70368744177663), ('kind', 'quote')), models.Q(('id__gte', 70368744177664), ('id__lte', 87960930222079), ('kind', 'paragraph')), _connector='OR')), name='search_document_key_layout'),
                ],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": NEW_SQLITE, "postgresql": NEW_POSTGRESQL}),
            _run({"sqlite": DROP_SQLITE, "postgresql": DROP_NEW_POSTGRESQL}),
        ),
    ]
