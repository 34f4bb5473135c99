"""After a transactional test (`django_db(transaction=True)`, the live server, the browser
journeys) the database is emptied by deleting its rows, instead of Django's `flush`.

`flush` truncates every table (on PostgreSQL one TRUNCATE of ~100 tables, which costs far more
than deleting the few rows a test wrote) and then sends `post_migrate`, which re-creates every
content type and permission the truncate removed. Deleting the rows of every other table leaves
the database exactly as `flush` does — empty, but for the content types and permissions, which
keep their ids (so ContentType's cache stays right) — for a fraction of the time.
"""

from __future__ import annotations

from django.db import connections, transaction
from django.test import TransactionTestCase

# What `flush`'s post_migrate would write back: left in place instead.
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})


def delete_all_rows(database: str) -> None:
    """Deletes every row but the content types and permissions, in one transaction: the foreign
    keys Django creates are deferred (PostgreSQL and SQLite), so the order does not matter and
    they are checked once, at the commit."""
    connection = connections[database]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(using=database), connection.cursor() as cursor:
        for table in sorted(set(tables) - KEPT_TABLES):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def _delete_rows_teardown(self: TransactionTestCase) -> None:
    if self.available_apps is not None or self.serialized_rollback:
        # Django's own flush handles these variants (a subset of apps, serialized rollback).
        _flush_teardown(self)
        return
    for database in self._databases_names(include_mirrors=False):
        delete_all_rows(database)


_flush_teardown = TransactionTestCase._fixture_teardown


def install() -> None:
    """Called once from tests/conftest.py: every transactional test then tears down this way."""
    TransactionTestCase._fixture_teardown = _delete_rows_teardown
