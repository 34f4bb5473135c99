"""Reading a window of the inference log as a DataFrame of only the needed features. On
PostgreSQL the features are pulled out of the JSON by the server and streamed with COPY as
CSV into pandas' C parser (no Python object per value); elsewhere (SQLite, the embedded
default) rows are read in chunks."""

from __future__ import annotations

import tempfile
from datetime import datetime

import pandas as pd
from django.db import connection

from apps.predictions.models import Prediction

CHUNK_ROWS = 50_000


def _postgres_frame(*, model_version_id: int, start: datetime, end: datetime, columns: list[str],
                    categorical: set[str]) -> pd.DataFrame:
    from psycopg import sql

    table = Prediction._meta.db_table
    selected = sql.SQL(", ").join(
        sql.SQL("features ->> {}").format(sql.Literal(name)) for name in columns
    ) if columns else sql.SQL("1")
    query = sql.SQL("COPY (SELECT {} FROM {} WHERE model_version_id = {} AND timestamp >= {} AND timestamp < {}) "
                    "TO STDOUT WITH (FORMAT csv)").format(
        selected, sql.Identifier(table), sql.Literal(model_version_id), sql.Literal(start), sql.Literal(end))
    connection.ensure_connection()
    with tempfile.TemporaryFile() as buffer:
        with connection.connection.cursor() as cursor, cursor.copy(query) as copy:
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return pd.DataFrame(columns=columns)
        buffer.seek(0)
        return pd.read_csv(buffer, header=None, names=columns or ["_"], usecols=columns or None,
                           dtype={name: str for name in categorical}, engine="c", low_memory=False)


def _generic_frame(*, model_version_id: int, start: datetime, end: datetime, columns: list[str]) -> pd.DataFrame:
    queryset = Prediction.objects.filter(model_version_id=model_version_id, timestamp__gte=start,
                                         timestamp__lt=end).values_list("features", flat=True)
    chunks, batch = [], []
    for features in queryset.iterator(chunk_size=CHUNK_ROWS):
        batch.append(features if isinstance(features, dict) else {})
        if len(batch) >= CHUNK_ROWS:
            chunks.append(pd.DataFrame.from_records(batch, columns=columns))
            batch = []
    if batch or not chunks:
        chunks.append(pd.DataFrame.from_records(batch, columns=columns))
    return pd.concat(chunks, ignore_index=True)


def window_frame(*, model_version_id: int, start: datetime, end: datetime, columns: list[str],
                 categorical: set[str] = frozenset()) -> pd.DataFrame:
    if connection.vendor == "postgresql":
        return _postgres_frame(model_version_id=model_version_id, start=start, end=end, columns=columns,
                               categorical=set(categorical))
    return _generic_frame(model_version_id=model_version_id, start=start, end=end, columns=columns)


def window_count(*, model_version_id: int, start: datetime, end: datetime) -> int:
    return Prediction.objects.filter(model_version_id=model_version_id, timestamp__gte=start,
                                     timestamp__lt=end).count()
