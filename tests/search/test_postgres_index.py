"""The full-text match reads the GIN expression indexes: the query's vector is the indexed
expression exactly (both are built from apps/search/documents.py). If a source's fields change
without a migration rebuilding its index, PostgreSQL silently scans every row; this notices."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from apps.search.documents import SEARCH_CONFIG, SOURCES

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's")]


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_the_match_uses_the_sources_index(source):
    query = SearchQuery("milliseconds", search_type="websearch", config=SEARCH_CONFIG)
    rows = source.model.objects.annotate(s_document=source.document()).filter(s_document=query).values("pk")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert source.index_name in plan, plan
