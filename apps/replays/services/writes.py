"""Bulk writes of a replay's rows: the bulk of its database time. On PostgreSQL they go through
COPY, sent as one block of COPY text built here (an order of magnitude faster than INSERT,
and several times faster than adapting row by row); elsewhere through bulk_create. Both run
inside the caller's transaction, so a chunk's rows commit with its claim or not at all."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from ..models import Replay, ReplayResult

RESULT_COLUMNS = ("replay_id", "report_id", "output", "matches_original", "diff", "error", "nondeterministic",
                  "expectation_met", "verdict")
_JSON_COLUMNS = {"output", "diff"}
# COPY's text format: backslash escapes, tab between columns, newline between rows, \N for NULL.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: Any, is_json: bool) -> str:
    if value is None:
        return "\\N"  # JSONField stores Python None as SQL NULL: so does this
    if is_json:
        return json.dumps(value, allow_nan=False).translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_ESCAPES)


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    json_flags = [name in _JSON_COLUMNS for name in columns]
    text = "".join("\t".join(_field(value, is_json) for value, is_json in zip(row, json_flags, strict=True)) + "\n"
                   for row in rows)
    with connection.cursor() as cursor:
        statement = f"COPY {connection.ops.quote_name(table)} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            copy.write(text.encode())


def results_write(results: list[tuple]) -> None:
    """`results` are tuples in the order of RESULT_COLUMNS."""
    # No ignore_conflicts: the chunk's claim makes a second write impossible, and if one ever
    # happened the error rolls the whole chunk back rather than counting anything twice.
    if connection.vendor != "postgresql":
        ReplayResult.objects.bulk_create([ReplayResult(**dict(zip(RESULT_COLUMNS, row, strict=True)))
                                          for row in results], batch_size=2000)
        return
    _copy(ReplayResult._meta.db_table, RESULT_COLUMNS, results)


def replay_reports_write(*, replay_id: int, report_ids: list[int]) -> None:
    through = Replay.reports.through
    if connection.vendor != "postgresql":
        through.objects.bulk_create([through(replay_id=replay_id, report_id=report_id) for report_id in report_ids],
                                    batch_size=5000)
        return
    _copy(through._meta.db_table, ("replay_id", "report_id"), ((replay_id, report_id) for report_id in report_ids))
