"""Reading a chunk's inputs into one DataFrame: with the JSON decoding, the largest part of a
replay's time after the writes."""

from __future__ import annotations

import json
import logging

import pandas as pd
from django.db import DatabaseError, connection, transaction

from apps.registry.models import ModelVersion
from apps.reports.models import Report

from ..models import ReplayChunk

logger = logging.getLogger(__name__)

# Feature types of a version's schema, as PostgreSQL reads them out of the JSON.
_SQL_TYPES = {"number": "double precision", "integer": "bigint", "boolean": "boolean", "string": "text"}


def read_chunk_inputs(*, chunk: ReplayChunk, version: ModelVersion) -> tuple[list[tuple], pd.DataFrame]:
    """The chunk's reports as (id, logged output, logged version id) rows, in id order, and
    their features as one DataFrame in the same order."""
    typed = _read_typed(chunk=chunk, version=version)
    if typed is not None:
        return typed
    own = (Report.objects.filter(pk__in=chunk.report_ids) if chunk.report_ids else
           # Chunks made before they held their ids: through the replay's links.
           Report.objects.filter(replays=chunk.replay_id, pk__gte=chunk.first_report_id,
                                 pk__lte=chunk.last_report_id))
    rows = list(own.order_by("pk").values_list("pk", "features", "output", "model_version_id"))
    frame = pd.DataFrame.from_records([features if isinstance(features, dict) else {} for _, features, _, _ in rows])
    return [(pk, output, version_id) for pk, _, output, version_id in rows], frame


def _read_typed(*, chunk: ReplayChunk, version: ModelVersion) -> tuple[list[tuple], pd.DataFrame] | None:
    """On PostgreSQL, with a schema of plain types, the database unpacks the features into typed
    columns (jsonb_to_record): no JSON parsed in Python, no dict per row. A value that does not
    fit its type fails the query; the caller then reads the JSON, where that row becomes a row
    error like any other input the model cannot take."""
    features = version.feature_schema.get("features", []) if isinstance(version.feature_schema, dict) else []
    if connection.vendor != "postgresql" or not chunk.report_ids or not features or any(
            feature.get("type") not in _SQL_TYPES for feature in features):
        return None
    quote = connection.ops.quote_name
    names = [feature["name"] for feature in features]
    record = ", ".join(f"{quote(name)} {_SQL_TYPES[feature['type']]}" for name, feature in zip(names, features,
                                                                                                 strict=True))
    sql = (f"SELECT r.id, r.output, r.model_version_id, {', '.join('f.' + quote(name) for name in names)} "
           f"FROM {quote(Report._meta.db_table)} r CROSS JOIN LATERAL jsonb_to_record(r.features) AS f({record}) "
           f"WHERE r.id = ANY(%s) ORDER BY r.id")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [chunk.report_ids])
            fetched = cursor.fetchall()
    except DatabaseError as exc:
        logger.info("Chunk %s: features do not all fit the schema (%s); reading them as JSON", chunk.pk, exc)
        return None
    # Django's connection hands jsonb over as text: the outputs are decoded here.
    rows = [(row[0], None if row[1] is None else json.loads(row[1]), row[2]) for row in fetched]
    frame = pd.DataFrame.from_records([row[3:] for row in fetched], columns=names)
    return rows, frame
