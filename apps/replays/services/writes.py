"""Bulk writes of a replay's rows: the bulk of its database time. On PostgreSQL they go through
COPY (an order of magnitude faster than INSERT for 5,000 rows); elsewhere through bulk_create.
Both run inside the caller's transaction, so a chunk's rows commit with its claim or not at all."""

from __future__ import annotations

from django.db import connection

from ..models import Replay, ReplayResult

RESULT_COLUMNS = ("replay_id", "report_id", "output", "matches_original", "diff", "error", "nondeterministic",
                   "expectation_met", "verdict")
_JSON_COLUMNS = {"output", "diff"}


def _copy(table: str, columns: tuple[str, ...], rows) -> None:
    from psycopg.types.json import Jsonb

    json_positions = [index for index, name in enumerate(columns) if name in _JSON_COLUMNS]
    with connection.cursor() as cursor:
        statement = f"COPY {connection.ops.quote_name(table)} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                if json_positions:
                    row = list(row)
                    for index in json_positions:
                        # JSONField stores Python None as SQL NULL: do the same.
                        row[index] = None if row[index] is None else Jsonb(row[index])
                copy.write_row(row)


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
