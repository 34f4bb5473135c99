"""A scratch PostgreSQL database for a benchmark: created fresh, Django set up against it with the
local settings (tasks in-process, no Redis), dropped afterwards. Shared by the benchmarks that fill
a database of their own (forensics, search, insights).

    with scratch_database(url):            # fresh, dropped at the end
        ...
    with scratch_database(url, keep=True): # left behind (to EXPLAIN queries later)
    with scratch_database(url, reuse=True, keep=True):  # measure a database kept earlier
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager


def _admin_connection(url: str):
    import environ
    import psycopg

    db = environ.Env.db_url_config(url)
    connection = psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                                 password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)
    return connection, db["NAME"]


def scratch_arguments(parser: argparse.ArgumentParser, *, runs: int, database_url: str) -> argparse.ArgumentParser:
    """The options every database-filling benchmark takes: how big, how many runs, which database,
    and whether to keep it (to EXPLAIN queries) or measure one kept earlier."""
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--database-url", default=database_url)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards (to EXPLAIN queries).")
    parser.add_argument("--reuse", action="store_true", help="Measure a database kept by an earlier --keep run.")
    return parser


@contextmanager
def scratch_database(url: str, *, reuse: bool = False, keep: bool = False) -> Iterator[str]:
    """Yields the database's name, with Django set up on it."""
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mlincidents.settings.local"
    os.environ.setdefault("DJANGO_DEBUG", "false")
    admin, name = _admin_connection(url)
    if not reuse:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        import django

        django.setup()
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"dropped database {name}")
        admin.close()
