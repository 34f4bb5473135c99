"""Writes for input forensics, by job: a report's cached forensics (attribution, neighbours,
prevalence in the log; `reports`), drift reports over windows of the inference log including
the daily run that opens an incident when live inputs drift from training (`drift`), and the
sweep that sends again what a broker outage stranded (`sweep`).

`from apps.forensics import services` exposes them all, as it did when this was one module."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def _enqueue(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # a broker outage must not undo the committed request
        logger.exception("Could not enqueue %s%s; request it again when the broker is back", task.name, args)


from .common import jsonable as _jsonable  # noqa: E402
from .drift import (  # noqa: E402
    MAX_WINDOW,
    drift_incident_open_or_add,
    drift_report_request,
    drift_report_run,
    drift_reports_schedule_daily,
)
from .reports import (  # noqa: E402
    _neighbours,
    _prevalence,
    report_forensics_compute,
    report_forensics_on_report_inputs,
    report_forensics_request,
)
from .sweep import report_forensics_sweep  # noqa: E402

__all__ = ["MAX_WINDOW", "_enqueue", "_jsonable", "_neighbours", "_prevalence", "drift_incident_open_or_add",
           "drift_report_request", "drift_report_run", "drift_reports_schedule_daily", "report_forensics_compute",
           "report_forensics_on_report_inputs", "report_forensics_request",
           "report_forensics_sweep"]
