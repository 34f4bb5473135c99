"""Writing a chunk's results: the bulk of a replay's database time."""

from __future__ import annotations

from ..models import ReplayResult


def results_write(results: list[ReplayResult]) -> None:
    # No ignore_conflicts: the chunk's claim makes a second write impossible, and if one ever
    # happened the error rolls the whole chunk back rather than counting anything twice.
    ReplayResult.objects.bulk_create(results, batch_size=2000)
