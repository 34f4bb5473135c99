"""The inference log, written through the real service as a model service writes it
(POST /api/v1/predictions/ calls the same `predictions_log`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.predictions.models import Prediction
from apps.predictions.services import LogResult, predictions_log
from apps.registry.models import ModelVersion
from tests.registry.factories import iris_row


def prediction_row(version: ModelVersion, prediction_id: str, *, index: int = 0, features: dict | None = None,
                   output: Any = "setosa", at: datetime | str | None = None,
                   context: dict | None = None) -> dict[str, Any]:
    """One row of the log as a model service sends it: iris row `index` (or `features`),
    logged now (or `at`)."""
    row = {"prediction_id": prediction_id, "model": version.model.name, "model_version": version.version,
           "features": iris_row(index) if features is None else features, "output": output}
    if at is not None:
        row["timestamp"] = at if isinstance(at, str) else at.isoformat()
    if context is not None:
        row["context"] = context
    return row


def log_predictions(*rows: dict[str, Any]) -> LogResult:
    """Logs `rows` (see `prediction_row`); every row must be stored, or the test's set-up is wrong."""
    result = predictions_log(rows=list(rows))
    assert not result.errors, result.errors
    return result


def logged_prediction(version: ModelVersion, prediction_id: str, **row) -> Prediction:
    """One logged prediction, as `prediction_row(version, prediction_id, **row)` describes it."""
    log_predictions(prediction_row(version, prediction_id, **row))
    return Prediction.objects.get(model=version.model, prediction_id=prediction_id)
