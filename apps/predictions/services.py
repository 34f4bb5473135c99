from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.access import require_work_on_model
from apps.core.errors import InvalidInput
from apps.registry.models import ModelVersion

from .models import Prediction
from .validation import MAX_ID_LENGTH, context_problem, features_problem, output_problem

MAX_ROWS_PER_REQUEST = 10_000


@dataclass
class LogResult:
    created: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _parse_timestamp(value: Any) -> datetime | None:
    if value is None:
        return timezone.now()
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        return timezone.make_aware(parsed, UTC)
    # Stored in UTC: PostgreSQL refuses offsets past ±15:59 that Python accepts (up to ±23:59).
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last datetime in UTC
        return None


def _row_problems(row: Any, versions: dict[tuple[str, str], ModelVersion]) -> dict[str, list[str]]:
    if not isinstance(row, dict):
        return {"row": ["Each row must be a JSON object."]}
    problems: dict[str, list[str]] = {}
    pid = row.get("prediction_id")
    if not isinstance(pid, (str, int)) or isinstance(pid, bool) or str(pid) == "" or len(str(pid)) > MAX_ID_LENGTH:
        problems["prediction_id"] = [f"Required: a string of 1 to {MAX_ID_LENGTH} characters."]
    model, version = row.get("model"), row.get("model_version")
    if not isinstance(model, str) or not isinstance(version, (str, int)) or isinstance(version, bool):
        problems["model_version"] = ["Both 'model' and 'model_version' are required."]
    elif (model, str(version)) not in versions:
        problems["model_version"] = [f"Unknown model version {model}:{version}; register it first."]
    if "features" not in row:
        problems["features"] = ["Required."]
    elif message := features_problem(row["features"]):
        problems["features"] = [message]
    if "output" not in row:
        problems["output"] = ["Required (use null if the model gave no output)."]
    elif message := output_problem(row["output"]):
        problems["output"] = [message]
    if "context" in row and (message := context_problem(row["context"])):
        problems["context"] = [message]
    if _parse_timestamp(row.get("timestamp")) is None:
        problems["timestamp"] = ["Use an ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z."]
    return problems


def predictions_log(*, rows: Any, actor=None) -> LogResult:
    """Stores valid rows and reports the invalid ones by index, so one bad row does not cost a
    model service the whole batch. Idempotent on (model, prediction_id). The actor must work on
    every model the batch names (the owning team's bot account, typically)."""
    if not isinstance(rows, list):
        raise InvalidInput("Send a JSON list of predictions (or NDJSON, one per line).",
                           errors={"body": ["Expected a list."]})
    if not rows:
        raise InvalidInput("The list of predictions is empty.", errors={"body": ["Empty list."]})
    if len(rows) > MAX_ROWS_PER_REQUEST:
        raise InvalidInput(f"At most {MAX_ROWS_PER_REQUEST} predictions per request; split the batch.",
                           errors={"body": [f"{len(rows)} rows."]})

    # Only a string can name a model (a JSON object or list cannot even go in a set); rows with
    # anything else are reported one by one below.
    model_names = {row["model"] for row in rows if isinstance(row, dict) and isinstance(row.get("model"), str)}
    versions = {
        (v.model.name, v.version): v
        for v in ModelVersion.objects.select_related("model").filter(model__name__in=model_names)
    }
    for model in {version.model.pk: version.model for version in versions.values()}.values():
        require_work_on_model(actor=actor, model=model, action="log its predictions")

    result = LogResult()
    candidates: dict[tuple[int, str], Prediction] = {}
    for index, row in enumerate(rows):
        problems = _row_problems(row, versions)
        if problems:
            result.errors.append({"index": index, "prediction_id": row.get("prediction_id") if isinstance(row, dict)
                                  else None, "errors": problems})
            continue
        version = versions[(row["model"], str(row["model_version"]))]
        key = (version.model_id, str(row["prediction_id"]))
        if key in candidates:
            result.duplicates += 1
            continue
        candidates[key] = Prediction(
            model_id=version.model_id, model_version=version, prediction_id=key[1],
            timestamp=_parse_timestamp(row.get("timestamp")), features=row["features"], output=row["output"],
            context=row.get("context") or {},
        )

    if len(result.errors) == len(rows):
        per_field = {f"[{e['index']}].{k}": v for e in result.errors[:50] for k, v in e["errors"].items()}
        raise InvalidInput("No row could be stored; see the errors per row.", errors=per_field)

    with transaction.atomic():
        by_model: dict[int, set[str]] = {}
        for model_id, pid in candidates:
            by_model.setdefault(model_id, set()).add(pid)
        existing = set()
        for model_id, ids in by_model.items():
            existing.update(
                (model_id, pid) for pid in Prediction.objects.filter(model_id=model_id, prediction_id__in=ids)
                .values_list("prediction_id", flat=True)
            )
        new_rows = [prediction for key, prediction in candidates.items() if key not in existing]
        Prediction.objects.bulk_create(new_rows, batch_size=1000, ignore_conflicts=True)
    result.created = len(new_rows)
    result.duplicates += len(candidates) - len(new_rows)
    return result
