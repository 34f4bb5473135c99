"""GIN expression indexes for full-text search, on PostgreSQL only (SQLite has no tsvector; the
fallback there scans with LIKE).

Why expression indexes rather than a stored search-document column or table: the text lives in
the owning apps' tables, and those apps sit below search in the layers, so they cannot keep a
document up to date on every write; an index on the very expression search matches is kept by
PostgreSQL itself, in the same transaction as each write, and is never stale. The expression is
built from `apps.search.documents.SOURCES`, the same objects the queries use, so the planner
can match them; change a source, and add a migration that rebuilds its index."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations


def _indexes(apps):
    from apps.search.documents import SOURCES

    for source in SOURCES:
        yield apps.get_model(source.model_label), GinIndex(source.vector(), name=source.index_name)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_backfill_fingerprints"),
        ("incidents", "0005_public_title"),
        ("postmortems", "0003_meeting_presenter"),
        ("actions", "0003_tickets_reminders_webhooks_exports"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
