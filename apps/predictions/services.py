from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.access import require_work_on_model
from apps.core.errors import InvalidInput
from apps.registry.models import Model, ModelVersion
from apps.registry.redaction import redact

from .bulk import StagedPrediction, predictions_insert
from .models import Prediction
from .validation import MAX_ID_LENGTH, check_context, check_features, check_output

logger = logging.getLogger(__name__)

MAX_ROWS_PER_REQUEST = 10_000
PURGE_BATCH_SIZE = 5_000
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
        # Not the reference sample and statistics: megabytes of JSON per request, unused here.
        for v in ModelVersion.objects.select_related("model").filter(model__name__in=model_names)
        .only("id", "version", "model_id", "model__id", "model__name", "model__team_id", "model__redacted_features")
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


@dataclass
class PurgeResult:
    deleted: int = 0  # with dry_run: how many would be deleted
    kept_for_reports: int = 0  # past retention, kept because a report points at them
    per_model: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False


def predictions_purge(*, dry_run: bool = False, now: datetime | None = None,
                      batch_size: int = PURGE_BATCH_SIZE) -> PurgeResult:
    """Deletes logged predictions older than their model's retention period (the model's
    `retention_days`, else PREDICTION_RETENTION_DAYS; 0 keeps them), in batches that each
    commit, so an interrupted run keeps its progress and the next one continues. Predictions a
    report points at are kept: the report is the evidence. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    result = PurgeResult(dry_run=dry_run)
    referenced = Exists(_reports_model().objects.filter(logged_prediction=OuterRef("pk")))
    for model in Model.objects.only("id", "name", "retention_days").order_by("name"):
        days = model.retention_days or settings.PREDICTION_RETENTION_DAYS
        if not days or days < 0:  # 0 keeps forever; a negative value is a mistake, not "delete all"
            continue
        # By version, so that the (model_version, timestamp) index finds the old rows.
        version_ids = list(model.versions.values_list("id", flat=True))
        expired = Prediction.objects.filter(model_version_id__in=version_ids, timestamp__lt=now - timedelta(days=days))
        result.kept_for_reports += expired.filter(referenced).count()
        purgeable = expired.filter(~referenced)
        deleted = purgeable.count() if dry_run else _delete_in_batches(purgeable, batch_size)
        if deleted:
            result.per_model[model.name] = deleted
            result.deleted += deleted
    logger.info(
        "%s %d logged prediction(s) past their retention period%s; kept %d that reports point at",
        "Would delete" if dry_run else "Deleted", result.deleted,
        f" ({', '.join(f'{name}: {count}' for name, count in result.per_model.items())})" if result.per_model else "",
        result.kept_for_reports,
    )
    return result


def _reports_model():
    """The model of the reports that point at a prediction (`Report.logged_prediction`, reverse
    name `reports`), found through that relation: the retention rule reads their rows without
    importing the reports app, which sits above this one."""
    return Prediction._meta.get_field("reports").related_model


def _delete_in_batches(purgeable, batch_size: int) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            # Locking the rows first means no report can start pointing at one while it is being
            # deleted (the report's foreign key check waits for the lock); locked rows are left
            # to the next run, so two purges running at once share the work.
            ids = list(purgeable.order_by().select_for_update(skip_locked=True)
                       .values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            # Feedback keeps its own copy of the prediction id; its link is cleared.
            _, per_type = Prediction.objects.filter(pk__in=ids).only("pk").delete()
        deleted += per_type.get(Prediction._meta.label, 0)
