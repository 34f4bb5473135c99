"""Writing a validated batch of predictions, idempotently on (model, prediction_id).

PostgreSQL: the batch is streamed with COPY into a temporary table, then moved over with one
INSERT … SELECT … ON CONFLICT DO NOTHING. COPY is the fastest way into PostgreSQL, and the
single INSERT both counts exactly what it created and lets concurrent senders of the same ids
race safely: the unique index makes the later one wait and skip, never fail or duplicate.
Other databases (the embedded SQLite default) use the ORM's bulk_create."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction

from .models import Prediction


class StagedPrediction(NamedTuple):
    """One valid row: the values to store, and their JSON text already encoded by validation."""

    model_id: int
    model_version_id: int
    prediction_id: str
    timestamp: datetime
    features: dict[str, Any]
    output: Any
    context: dict[str, Any]
    features_json: str
    output_json: str | None
    context_json: str


# Versioned: a long-lived connection may still hold the table from before a deploy.
_STAGING = "prediction_log_staging_v1"
_COLUMNS = ("model_id", "model_version_id", "prediction_id", "timestamp", "features", "output", "context")


def predictions_insert(*, rows: list[StagedPrediction], received_at: datetime) -> int:
    """Inserts the rows whose (model, prediction_id) is not stored yet; returns how many it
    inserted. `rows` must not repeat a (model, prediction_id)."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows, received_at)
    return _insert_with_orm(rows, received_at)


def _insert_postgresql(rows: list[StagedPrediction], received_at: datetime) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in _COLUMNS)
    # Inside a caller's transaction (a test, a command) the commit that empties the table comes
    # later, so the rows are deleted here instead.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        # One table per database session, emptied in place at every commit: with persistent
        # connections no request pays for creating and dropping it (catalog writes).
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (model_id bigint NOT NULL, "
            "model_version_id bigint NOT NULL, "
            f"prediction_id varchar({Prediction._meta.get_field('prediction_id').max_length}) NOT NULL, "
            f"{quote('timestamp')} timestamptz NOT NULL, features jsonb NOT NULL, output jsonb, "
            "context jsonb NOT NULL) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {_STAGING} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row.model_id, row.model_version_id, row.prediction_id, row.timestamp,
                                row.features_json, row.output_json, row.context_json))
        # Sorting by the unique key makes every sender lock conflicting keys in the same order,
        # so two overlapping batches wait for each other instead of deadlocking.
        cursor.execute(
            f"INSERT INTO {quote(Prediction._meta.db_table)} ({columns}, received_at) "
            f"SELECT {columns}, %s FROM {_STAGING} ORDER BY model_id, prediction_id "
            "ON CONFLICT (model_id, prediction_id) DO NOTHING",
            [received_at],
        )
        created = cursor.rowcount
        if nested:
            cursor.execute(f"DELETE FROM {_STAGING}")
    return created


def _insert_with_orm(rows: list[StagedPrediction], received_at: datetime) -> int:
    with transaction.atomic():
        wanted: dict[int, set[str]] = {}
        for row in rows:
            wanted.setdefault(row.model_id, set()).add(row.prediction_id)
        existing: set[tuple[int, str]] = set()
        for model_id, ids in wanted.items():
            for chunk in _chunks(sorted(ids), 500):  # SQLite caps the parameters of one query
                existing.update((model_id, pid) for pid in Prediction.objects.filter(
                    model_id=model_id, prediction_id__in=chunk).values_list("prediction_id", flat=True))
        new_rows = [
            Prediction(model_id=row.model_id, model_version_id=row.model_version_id, prediction_id=row.prediction_id,
                       timestamp=row.timestamp, features=row.features, output=row.output, context=row.context,
                       received_at=received_at)
            for row in rows if (row.model_id, row.prediction_id) not in existing
        ]
        Prediction.objects.bulk_create(new_rows, batch_size=500, ignore_conflicts=True)
    return len(new_rows)


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
