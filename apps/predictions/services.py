from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.access import require_work_on_model
from apps.core.errors import InvalidInput
from apps.registry.models import ModelVersion
from apps.registry.redaction import redact

from .bulk import StagedPrediction, predictions_insert
from .validation import MAX_ID_LENGTH, check_context, check_features, check_output

MAX_ROWS_PER_REQUEST = 10_000
_EMPTY_CONTEXT_JSON = "{}"


@dataclass
class LogResult:
    created: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _parse_timestamp(value: Any, now: datetime) -> datetime | None:
    if value is None:
        return now
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        return parsed.replace(tzinfo=UTC)  # no zone given: read as UTC
    # Stored in UTC: PostgreSQL refuses offsets past ±15:59 that Python accepts (up to ±23:59).
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last datetime in UTC
        return None


def _stage_row(row: Any, versions: dict[tuple[str, str], ModelVersion], now: datetime,
               ) -> tuple[StagedPrediction | None, dict[str, list[str]]]:
    """Checks one row and, if it is valid, returns it ready to store (redacted, JSON encoded).
    Runs once per row on batches of thousands: no queries, each value encoded once."""
    if not isinstance(row, dict):
        return None, {"row": ["Each row must be a JSON object."]}
    problems: dict[str, list[str]] = {}
    pid = row.get("prediction_id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)
    if not isinstance(pid, str) or not pid or len(pid) > MAX_ID_LENGTH or "\x00" in pid or not _is_utf8(pid):
        problems["prediction_id"] = [f"Required: a string of 1 to {MAX_ID_LENGTH} characters."]
    model_name, version_name = row.get("model"), row.get("model_version")
    version = None
    if not isinstance(model_name, str) or not isinstance(version_name, (str, int)) or isinstance(version_name, bool):
        problems["model_version"] = ["Both 'model' and 'model_version' are required."]
    else:
        version = versions.get((model_name, str(version_name)))
        if version is None:
            problems["model_version"] = [f"Unknown model version {model_name}:{version_name}; register it first."]

    features, features_json = row.get("features"), None
    if "features" not in row:
        problems["features"] = ["Required."]
    else:
        if version is not None and isinstance(features, dict):
            # Redacted before anything else looks at it: the value never reaches the database.
            features = redact(features, version.model.redacted_features)
        message, features_json = check_features(features)
        if message:
            problems["features"] = [message]
    output, output_json = row.get("output"), None
    if "output" not in row:
        problems["output"] = ["Required (use null if the model gave no output)."]
    else:
        message, output_json = check_output(output)
        if message:
            problems["output"] = [message]
    context, context_json = {}, _EMPTY_CONTEXT_JSON
    if "context" in row:
        context = row["context"]
        message, context_json = check_context(context)
        if message:
            problems["context"] = [message]
    timestamp = _parse_timestamp(row.get("timestamp"), now)
    if timestamp is None:
        problems["timestamp"] = ["Use an ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z."]
    if problems:
        return None, problems
    return StagedPrediction(
        model_id=version.model_id, model_version_id=version.pk, prediction_id=pid, timestamp=timestamp,
        features=features, output=output, context=context, features_json=features_json,
        # JSON null is stored as SQL NULL, as the ORM does for JSONField(null=True).
        output_json=None if output is None else output_json, context_json=context_json,
    ), {}


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def predictions_log(*, rows: Any, actor=None) -> LogResult:
    """Stores valid rows and reports the invalid ones by index, so one bad row does not cost a
    model service the whole batch. Idempotent on (model, prediction_id), also between
    concurrent senders. The actor must work on every model the batch names (the owning team's
    bot account, typically). Features the model redacts are stored as a marker."""
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
    now = timezone.now()
    staged: dict[tuple[int, str], StagedPrediction] = {}
    for index, row in enumerate(rows):
        candidate, problems = _stage_row(row, versions, now)
        if candidate is None:
            result.errors.append({"index": index, "prediction_id": row.get("prediction_id") if isinstance(row, dict)
                                  else None, "errors": problems})
            continue
        key = (candidate.model_id, candidate.prediction_id)
        if key in staged:
            result.duplicates += 1
            continue
        staged[key] = candidate

    if len(result.errors) == len(rows):
        per_field = {f"[{e['index']}].{k}": v for e in result.errors[:50] for k, v in e["errors"].items()}
        raise InvalidInput("No row could be stored; see the errors per row.", errors=per_field)

    result.created = predictions_insert(rows=list(staged.values()), received_at=now)
    result.duplicates += len(staged) - result.created
    return result
