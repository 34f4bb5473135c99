"""Hooks that let a lower app announce something to the apps above it without importing them
(the layers forbid that). An app above registers a callback in its AppConfig.ready(); the
lower app calls the announcement inside its transaction. Callbacks must be cheap and must
defer real work to on_commit: an announcement is never a reason for the caller's write to fail,
so a callback that raises is logged and skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

ReportCallback = Callable[..., None]
_report_inputs: list[ReportCallback] = []


def on_report_inputs(callback: ReportCallback) -> None:
    """Registers `callback(report=…, actor=…)`, called when a report's inputs are there: at
    intake, and when a logged prediction is linked to a report later."""
    if callback not in _report_inputs:
        _report_inputs.append(callback)


def report_inputs_ready(*, report, actor) -> None:
    for callback in list(_report_inputs):
        try:
            callback(report=report, actor=actor)
        except Exception:  # noqa: BLE001 — an announcement never undoes the report
            logger.exception("A report-inputs hook failed for report %s", getattr(report, "pk", None))
