"""The insights as CSV: one row per figure and group (`figure,group,value`), the numbers behind
the page (durations in hours, shares as fractions), for a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from .read_models import Insights


def _hours(value: timedelta | None) -> str:
    return "" if value is None else f"{value.total_seconds() / 3600:.2f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def insights_rows(insights: Insights) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, object]] = [
        ("range", "since", insights.since.isoformat()),
        ("range", "until", insights.until.isoformat()),
        ("incidents_opened", "total", insights.opened.count),
        ("incidents_resolved", "total", insights.resolved.count),
        ("median_time_to_detect_hours", "total", _hours(insights.median_time_to_detect)),
        ("time_to_detect_measured", "total", insights.detect_measured),
        ("median_time_to_resolve_hours", "total", _hours(insights.median_time_to_resolve)),
        ("reopened", "total", insights.reopened.count),
        ("regressions", "total", insights.regressions.count),
        ("resolved_at_least_once", "total", insights.reopened.out_of),
        ("reopen_rate", "total", _share(insights.reopened.share)),
        ("regression_rate", "total", _share(insights.regressions.share)),
        ("action_items", "done_on_time", insights.action_items.done_on_time),
        ("action_items", "done_late", insights.action_items.done_late),
        ("action_items", "overdue", insights.action_items.overdue),
        ("action_items", "on_track", insights.action_items.on_track),
        ("action_items", "on_time_share", _share(insights.action_items.on_time_share)),
        ("postmortems_overdue", "total", len(insights.postmortems_overdue)),
        ("postmortems_waiting_for_review", "total", len(insights.postmortems_waiting)),
        ("reports_received", "total", insights.reports_received),
        ("reports_stored", "total", insights.reports_stored),
    ]
    for week in insights.weeks:
        key = week.start.isoformat()
        rows += [("incidents_opened", key, week.opened), ("incidents_resolved", key, week.resolved),
                 ("median_time_to_detect_hours", key, _hours(week.median_time_to_detect)),
                 ("median_time_to_resolve_hours", key, _hours(week.median_time_to_resolve)),
                 ("action_items_overdue", key, week.overdue_action_items)]
    for figure, slices in (("incidents_by_model", insights.by_model), ("incidents_by_version", insights.by_version),
                           ("incidents_by_root_cause", insights.by_root_cause),
                           ("incidents_by_contributing_factor", insights.by_factor)):
        rows += [(figure, item.key, item.incidents) for item in slices]
    return [(figure, group, str(value)) for figure, group, value in rows]


def insights_csv(insights: Insights) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["figure", "group", "value"])
    writer.writerows(insights_rows(insights))
    return buffer.getvalue()
