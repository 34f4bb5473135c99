"""Full-text search documents on PostgreSQL: a stored generated `tsvector` column per source
table, and a GIN index on it (SQLite has no tsvector; the fallback there scans with LIKE).

Why a stored, generated column: the text lives in the owning apps' tables, and those apps sit
below search in the layers, so no service of theirs can keep a search document up to date. A
generated column is kept by PostgreSQL itself, in the same statement as every write (bulk
writes and `update()` included): never stale, no triggers, no code on the write path. An
expression index alone (no column) matched as fast, but ranking then parsed every matched row's
text again — seconds for a common word over 100,000 reports (benchmarks/search.py). The
column's expression is compiled from `apps.search.documents.SOURCES`, the objects the queries
use. Adding it rewrites each table once."""

from django.db import migrations
from django.db.models.sql import Query


def _sources(apps):
    from apps.search.documents import SOURCES

    for source in SOURCES:
        yield apps.get_model(source.model_label), source


def _expression_sql(schema_editor, model, source) -> str:
    query = Query(model, alias_cols=False)
    compiler = query.get_compiler(connection=schema_editor.connection)
    sql, params = compiler.compile(source.vector().resolve_expression(query, allow_joins=False))
    return sql % tuple(schema_editor.quote_value(param) for param in params)


def add_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model, source in _sources(apps):
        table = quote(model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {quote(source.column)} tsvector "
                              f"GENERATED ALWAYS AS ({_expression_sql(schema_editor, model, source)}) STORED")
        schema_editor.execute(f"CREATE INDEX {quote(source.index_name)} ON {table} USING gin ({quote(source.column)})")


def drop_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for model, source in _sources(apps):
        schema_editor.execute(f"ALTER TABLE {quote(model._meta.db_table)} DROP COLUMN IF EXISTS {quote(source.column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_backfill_fingerprints"),
        ("incidents", "0005_public_title"),
        ("postmortems", "0003_meeting_presenter"),
        ("actions", "0003_tickets_reminders_webhooks_exports"),
    ]

    operations = [migrations.RunPython(add_documents, drop_documents, elidable=False)]
