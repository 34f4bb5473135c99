"""The demo data (`seed_demo`) for the browser journeys, seeded once per test process and copied
back for each journey that needs it.

`seed_demo` trains two models, logs three days of predictions, files reports, writes a
post-mortem and four months of history: seconds of work, the same in every journey. The first
journey in a process runs it for real and copies every table it filled into a table of its own
next to it in the same database (`CREATE TABLE … AS SELECT`); the next ones insert those rows back
(`INSERT … SELECT`) into the emptied database, set the id sequences past them, and copy back the
screenshots it stored. Every journey still starts from what `seed_demo` writes, in the same
database, through the same live server.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from apps.demo.services import DemoSummary, seed_demo
from tests.database_cleanup import KEPT_TABLES

COPY_PREFIX = "zz_demo_copy_"


@dataclass(frozen=True)
class _DemoCopy:
    tables: dict[str, tuple[str, ...]]  # each table seed_demo filled: its columns, copied into COPY_PREFIX + table
    media: Path  # a copy of the uploads it stored (the screenshots)
    summary: DemoSummary


_copy: _DemoCopy | None = None


def _models_by_table() -> dict[str, type]:
    """Every table a model writes (many-to-many ones too), but those never emptied between tests."""
    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and model._meta.db_table not in KEPT_TABLES}


def _has_rows(cursor, quote, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
    return cursor.fetchone() is not None


def seed_demo_once() -> DemoSummary:
    """What `seed_demo()` does, for a journey (a transactional test, whose writes commit) that
    starts from an empty database; seeds for real when the database is not empty."""
    global _copy
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    existing = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    models = {table: model for table, model in _models_by_table().items() if table in existing}
    with connection.cursor() as cursor:
        if any(_has_rows(cursor, quote, table) for table in models):
            return seed_demo()
    if _copy is None:
        summary = seed_demo()
        _copy = _take_copy(connection, models, summary)
        return summary
    _restore(connection, _copy)
    return _copy.summary


def _take_copy(connection, models: dict[str, type], summary: DemoSummary) -> _DemoCopy:
    quote = connection.ops.quote_name
    tables = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for table, model in models.items():
            if not _has_rows(cursor, quote, table):
                continue
            # The model's own columns only: on PostgreSQL search adds a generated column
            # (apps/search/documents.py) that PostgreSQL computes again on insert.
            columns = tuple(field.column for field in model._meta.local_concrete_fields)
            copy = quote(COPY_PREFIX + table)
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")  # from a run that kept its database
            cursor.execute(f"CREATE TABLE {copy} AS SELECT {_list(quote, columns)} FROM {quote(table)}")
            tables[table] = columns
    media = Path(tempfile.mkdtemp(prefix="mli-demo-media-"))
    atexit.register(shutil.rmtree, media, ignore_errors=True)
    if Path(settings.MEDIA_ROOT).exists():
        shutil.copytree(settings.MEDIA_ROOT, media, dirs_exist_ok=True)
    return _DemoCopy(tables=tables, media=media, summary=summary)


def _restore(connection, copy: _DemoCopy) -> None:
    quote = connection.ops.quote_name
    # Deferred foreign keys (as Django creates them) are checked at the commit, so the order of
    # the inserts does not matter.
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in copy.tables.items():
            cursor.execute(f"INSERT INTO {quote(table)} ({_list(quote, columns)}) "
                           f"SELECT {_list(quote, columns)} FROM {quote(COPY_PREFIX + table)}")
        models = _models_by_table()
        # PostgreSQL's sequences do not move for inserted ids: set them past the copied rows
        # (SQLite's AUTOINCREMENT follows the inserted ids by itself: no statements there).
        restored = [models[table] for table in copy.tables]
        for statement in connection.ops.sequence_reset_sql(no_style(), restored):
            cursor.execute(statement)
    shutil.copytree(copy.media, settings.MEDIA_ROOT, dirs_exist_ok=True)


def _list(quote, columns: tuple[str, ...]) -> str:
    return ", ".join(quote(column) for column in columns)
