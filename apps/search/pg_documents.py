"""The stored search documents on PostgreSQL, for this app's migrations: a generated `tsvector`
column per source table and a GIN index on it (nothing on other databases; SQLite has no
tsvector, the fallback scans with LIKE).

Why a stored, generated column: the text lives in the owning apps' tables, and those apps sit
below search in the layers, so no service of theirs can keep a search document up to date. A
generated column is kept by PostgreSQL itself, in the same statement as every write (bulk writes
and `update()` included): never stale, no triggers, no code on the write path. An expression
index alone (no column) matched as fast, but ranking then parsed every matched row's text again
— seconds for a common word over 100,000 reports (benchmarks/search.py). The column's expression
is compiled from `apps.search.documents.SOURCES`, the objects the queries use. Adding a column
rewrites its table once.

Each migration names its sources: a migration must do the same thing whenever it runs, and a
source added later gets its own migration (after the one creating its table)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import migrations
from django.db.models.sql import Query


def _sources(apps, names: Iterable[str]):
    from apps.search.documents import SOURCES

    by_name = {source.name: source for source in SOURCES}
    for name in names:
        source = by_name[name]
        yield apps.get_model(source.model_label), source


def _expression_sql(schema_editor, model, source) -> str:
    # Compiled like an expression index: unqualified columns, parameters inlined as literals.
    query = Query(model, alias_cols=False)
    compiler = query.get_compiler(connection=schema_editor.connection)
    sql, params = compiler.compile(source.vector().resolve_expression(query, allow_joins=False))
    return sql % tuple(schema_editor.quote_value(param) for param in params)


def documents_operation(names: tuple[str, ...]) -> migrations.RunPython:
    def add(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for model, source in _sources(apps, names):
            table = quote(model._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {quote(source.column)} tsvector "
                                  f"GENERATED ALWAYS AS ({_expression_sql(schema_editor, model, source)}) STORED")
            schema_editor.execute(f"CREATE INDEX {quote(source.index_name)} ON {table} USING gin "
                                  f"({quote(source.column)})")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for model, source in _sources(apps, names):
            schema_editor.execute(f"ALTER TABLE {quote(model._meta.db_table)} DROP COLUMN IF EXISTS "
                                  f"{quote(source.column)}")

    return migrations.RunPython(add, drop, elidable=False)
