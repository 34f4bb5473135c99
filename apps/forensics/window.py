"""Reading what a drift report compares, as DataFrames: a window of the inference log (only
the needed features) and the version's stored reference sample. On PostgreSQL the window's
features are pulled out of the JSON by the server and streamed with COPY as CSV into pandas'
C parser (no Python object per value); elsewhere (SQLite, the embedded default) rows are read
in chunks."""

from __future__ import annotations

import io
from datetime import datetime

import orjson
import pandas as pd
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from apps.predictions.models import Prediction
from apps.registry.models import ModelVersion

CHUNK_ROWS = 50_000
# CSV parsed per piece of about this size while COPY streams: memory stays at the parsed
# numbers plus one piece, not the whole text (240 MB for 1M rows × 30 features) on top.
PARSE_BYTES = 32 * 1024 * 1024


# COPY writes SQL NULL (a missing key, a JSON null) as this; nothing else is read as missing,
# so a category called "NA" or "n/a" stays a category, as it does on the embedded database.
NULL_MARKER = r"\N"


def _parse_csv(data: bytes, *, columns: list[str], numeric: list[str], categorical: set[str]) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(data), header=None, names=columns, dtype={name: str for name in categorical},
                        engine="c", low_memory=False, na_values=[NULL_MARKER], keep_default_na=False)
    # Each piece infers its own types: a numeric feature is made float64 in every piece (a
    # stray string becomes NaN, as drift_summary would make it), so the pieces concatenate
    # into one float column instead of an object column.
    for name in numeric:
        if frame[name].dtype != "float64":
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def _postgres_frame(*, model_version_id: int, start: datetime, end: datetime, columns: list[str],
                    categorical: set[str]) -> pd.DataFrame:
    from psycopg import sql

    table = Prediction._meta.db_table
    selected = sql.SQL(", ").join(sql.SQL("features ->> {}").format(sql.Literal(name)) for name in columns)
    query = sql.SQL("COPY (SELECT {} FROM {} WHERE model_version_id = {} AND timestamp >= {} AND timestamp < {}) "
                    "TO STDOUT WITH (FORMAT csv, NULL {})").format(
        selected, sql.Identifier(table), sql.Literal(model_version_id), sql.Literal(start), sql.Literal(end),
        sql.Literal(NULL_MARKER))
    numeric = [name for name in columns if name not in categorical]
    parts: list[pd.DataFrame] = []
    pending = bytearray()
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            # Pulling 30 keys out of a million JSON documents (each number printed as text) is
            # most of the server's work, and the planner prices it as nearly free, so it never
            # splits the scan. Made free to share, parallel workers do the extraction: 2 cores
            # halve the read. SET LOCAL: only for this transaction.
            cursor.execute("SET LOCAL parallel_setup_cost = 0")
            cursor.execute("SET LOCAL parallel_tuple_cost = 0")
            with cursor.copy(query) as copy:
                # COPY TO sends whole rows, one per message, so a piece never ends mid-row.
                for row in copy:
                    pending += row
                    if len(pending) >= PARSE_BYTES:
                        parts.append(_parse_csv(bytes(pending), columns=columns, numeric=numeric,
                                                categorical=categorical))
                        pending.clear()
    if pending:
        parts.append(_parse_csv(bytes(pending), columns=columns, numeric=numeric, categorical=categorical))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


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
    """The logged values of `columns` in [start, end), one row per prediction. Features in
    `categorical` are read as text; on PostgreSQL the others arrive as float64 (what cannot
    be read as a number is NaN)."""
    if not columns:  # only the count matters
        rows = window_count(model_version_id=model_version_id, start=start, end=end)
        return pd.DataFrame(index=pd.RangeIndex(rows))
    if connection.vendor == "postgresql":
        return _postgres_frame(model_version_id=model_version_id, start=start, end=end, columns=columns,
                               categorical=set(categorical))
    return _generic_frame(model_version_id=model_version_id, start=start, end=end, columns=columns)


def window_count(*, model_version_id: int, start: datetime, end: datetime) -> int:
    return Prediction.objects.filter(model_version_id=model_version_id, timestamp__gte=start,
                                     timestamp__lt=end).count()


def reference_frame(*, model_version_id: int) -> pd.DataFrame:
    """The version's reference sample (up to 50,000 rows as a JSON list of objects). Read as
    text and parsed with orjson: half the time of the ORM's json.loads, the same numbers."""
    text = (ModelVersion.objects.filter(pk=model_version_id)
            .values_list(Cast("reference_sample", output_field=TextField()), flat=True).first())
    try:
        records = orjson.loads(text) if text else []
    except orjson.JSONDecodeError:  # e.g. an integer wider than 64 bits, which json reads
        import json

        records = json.loads(text)
    return pd.DataFrame.from_records(records) if records else pd.DataFrame()
