"""Writes for input forensics: a report's cached forensics (attribution, neighbours,
prevalence in the log) and drift reports over windows of the inference log, including the
daily run that opens an incident when live inputs drift from training."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput
from apps.incidents.evidence import incident_evidence_add
from apps.incidents.models import ACTIVE_STATUSES, EvidenceKind, Incident
from apps.incidents.services import incident_open
from apps.predictions.models import Prediction
from apps.registry.backends import ArtifactError, backend_for
from apps.registry.models import ModelVersion
from apps.registry.redaction import redacted_names
from apps.reports.models import Report

from .attribution import attribute
from .checks import fmt
from .drift import drift_summary
from .models import DriftReport, JobStatus, ReportForensics
from .neighbours import nearest, neighbours_summary
from .onset import report_signature_write
from .selectors import input_checks, prevalence_message
from .window import reference_frame, window_frame

logger = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=92)
_PREVALENCE_FLAGS = {"above_max", "below_min", "unseen_category", "missing", "default_value"}


def _enqueue(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # a broker outage must not undo the committed request
        logger.exception("Could not enqueue %s%s; request it again when the broker is back", task.name, args)


# --- One report ---------------------------------------------------------------------------

@transaction.atomic
def report_forensics_request(*, report: Report, actor, on_intake: bool = False) -> ReportForensics:
    """Queues the slow part of a report's forensics. At intake anyone filing may trigger it;
    recomputing on demand is team work."""
    if not on_intake:
        require_work_on_model(actor=actor, model=report.model, action="recompute a report's forensics")
    if not report.has_inputs or report.model_version_id is None:
        raise Conflict(f"WTF-{report.pk} has no model inputs yet: link its logged prediction first.")
    forensics, _ = ReportForensics.objects.update_or_create(
        report=report, defaults={"status": JobStatus.QUEUED, "requested_at": timezone.now(), "error_message": ""})
    if not on_intake:
        audit_record(actor=actor, action="report.forensics_request", target=report, new={"status": "queued"})
    from .tasks import report_forensics_task

    transaction.on_commit(lambda: _enqueue(report_forensics_task, report.pk))
    return forensics


def _claim_report(report_id: int) -> bool:
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return bool(ReportForensics.objects.filter(Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING,
                                                                               requested_at__lt=stale),
                                               report_id=report_id).update(status=JobStatus.RUNNING))


def report_forensics_compute(*, report_id: int, now: datetime | None = None) -> ReportForensics | None:
    """Computes and caches attribution, neighbours and prevalence (in today's log: `now`
    defaults to the clock). Safe to run twice: only a queued row is claimed. Each part that
    cannot be computed leaves a note, never a crash."""
    if not _claim_report(report_id):
        return None
    report = Report.objects.select_related("model_version", "model").get(pk=report_id)
    version = report.model_version
    stats = (version.reference_stats or {}).get("features", {})
    features = report.features if isinstance(report.features, dict) else {}
    checks = input_checks(model_version=version, features=features)
    notes: list[str] = []
    attribution: dict[str, Any] = {}
    neighbours: dict[str, Any] = {}
    if not stats:
        notes.append("This version has no reference statistics: register it with a reference sample "
                     "(register_model … --reference train.csv) to compare inputs with training.")
    else:
        try:
            loaded = backend_for(version.backend).load(version_id=version.pk, artifact_uri=version.artifact_uri,
                                                       sha256=version.sha256, feature_names=version.feature_names,
                                                       feature_types=version.feature_types)
        except ArtifactError as error:
            loaded = None
            notes.append(f"The model could not be loaded, so there is no attribution or neighbours: {error.detail}")
        if loaded is not None:
            names = loaded.feature_names or list(stats)
            hidden = [name for name in redacted_names(features) if name in names]
            if hidden:
                # The model cannot be run without the value, and a guess would attribute nonsense.
                notes.append(f"{', '.join(hidden)} {'is' if len(hidden) == 1 else 'are'} redacted for this model "
                             "(the value was never stored), so there is no attribution.")
            else:
                try:
                    attribution = attribute(predictor=loaded.predictor, features=features, feature_names=names,
                                            stats=stats)
                except Exception as exc:  # the model is third-party code: its error is a finding
                    notes.append(f"The model could not score this input and its variations "
                                 f"({exc.__class__.__name__}: {str(exc)[:200]}), so there is no attribution.")
            neighbours = _neighbours(loaded=loaded, version=version, report=report, features=features,
                                     checks=checks, notes=notes)
    prevalence = _prevalence(report=report, checks=checks, now=now or timezone.now())
    forensics = ReportForensics.objects.get(report_id=report_id)
    forensics.attribution = _jsonable(attribution)
    forensics.neighbours = _jsonable(neighbours)
    forensics.prevalence = prevalence
    forensics.notes = notes
    forensics.status = JobStatus.SUCCEEDED
    forensics.computed_at = timezone.now()
    forensics.save()
    report_signature_write(report_id=report_id)
    return forensics


def _neighbours(*, loaded, version: ModelVersion, report: Report, features: dict, checks: list[dict],
                notes: list[str]) -> dict[str, Any]:
    if not version.reference_sample:
        notes.append("The version has no stored reference sample, so there are no similar training rows to show.")
        return {}
    sample = pd.DataFrame.from_records(version.reference_sample)
    positions, distances = nearest(sample=sample, features=features, stats=version.reference_stats["features"],
                                   k=settings.FORENSICS_NEIGHBOURS)
    if not len(positions):
        return {}
    rows = sample.iloc[positions].reset_index(drop=True)
    outcome = loaded.predict_frame(rows)
    shown = [check["feature"] for check in checks if check["feature"] in sample.columns][:5]
    return neighbours_summary(rows=rows, distances=distances, outputs=outcome.outputs, report_output=report.output,
                              shown_features=shown)


def _prevalence(*, report: Report, checks: list[dict], now: datetime) -> list[dict[str, Any]]:
    """How common each of the report's odd values is among today's logged predictions (the
    calendar day in TIME_ZONE, up to `now`): the size of the problem, for the post-mortem's
    impact. A calendar day, not the last 24 hours, so that the figure means what people mean by
    "today" and matches the daily drift report's windows. The day's log is read once, only the
    features counted, the way the drift report reads a window (COPY on PostgreSQL)."""
    local_now = timezone.localtime(now)
    start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = {"day": local_now.date().isoformat(), "time_zone": settings.TIME_ZONE, "until": now.isoformat()}
    counted = [(check, _prevalence_kind(check)) for check in checks[:5] if set(check["flags"]) & _PREVALENCE_FLAGS]
    if not counted:
        return []
    # Values compared as written (an unseen category, a missing one) are read as text, so that
    # a string in a numeric feature is not turned into "missing" on the way.
    as_text = {check["feature"] for check, kind in counted if kind != "range"}
    frame = window_frame(model_version_id=report.model_version_id, start=start, end=now + timedelta(microseconds=1),
                         columns=[check["feature"] for check, _ in counted], categorical=as_text)
    total = len(frame)
    findings = []
    for check, kind in counted:
        name, reference = check["feature"], check.get("reference") or {}
        values = frame[name] if total else pd.Series(dtype=object)
        if not total:
            matching, condition = 0, ""
        elif kind == "range":
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            if "above_max" in check["flags"]:
                matching, condition = int(np.sum(numbers > reference["max"])), \
                    f"above the training max ({fmt(reference['max'])})"
            else:
                matching, condition = int(np.sum(numbers < reference["min"])), \
                    f"below the training min ({fmt(reference['min'])})"
        elif kind == "missing":
            matching, condition = int(values.isna().sum()), "missing"
        else:
            matching = int((_as_json_text(values) == _json_text(check["value"])).sum())
            condition = f"= {check['value']!r:.40}"
        finding = {"feature": name, "condition": condition, "matching": matching, "total": total,
                   "share": matching / total if total else None, **day}
        findings.append(finding | {"message": prevalence_message(finding=finding, today=local_now.date())})
    return findings


def _prevalence_kind(check: dict) -> str:
    flags, reference = set(check["flags"]), check.get("reference") or {}
    if flags & {"above_max", "below_min", "default_value"} and reference.get("min") is not None:
        return "range"
    return "missing" if "missing" in flags else "equal"


def _json_text(value: Any) -> str | None:
    """A logged value as PostgreSQL's `->>` writes it: strings as they are, the rest as JSON."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _as_json_text(values: pd.Series) -> pd.Series:
    # PostgreSQL's COPY already gives text; the embedded database gives the JSON's values.
    return values.map(_json_text, na_action="ignore")


def _jsonable(value: Any) -> Any:
    """numpy scalars and non-finite floats out, so the result stores as JSON everywhere."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


# --- Drift over a window of the inference log --------------------------------------------

@transaction.atomic
def drift_report_request(*, model_version: ModelVersion, actor, start: datetime | None = None,
                         end: datetime | None = None, scheduled: bool = False) -> DriftReport:
    """Queues a drift report of `model_version`'s logged inputs in [start, end) against its
    reference (default: the last DRIFT_WINDOW_HOURS). A scheduled report for a window that
    already has one is that one: the daily task is safe to run twice."""
    require_work_on_model(actor=actor, model=model_version.model, action="compute drift reports")
    end = end or timezone.now()
    start = start or end - timedelta(hours=settings.DRIFT_WINDOW_HOURS)
    if start >= end:
        raise InvalidInput("The window must start before it ends.", errors={"from": ["Must be before 'to'."]})
    if end - start > MAX_WINDOW:
        raise InvalidInput(f"A drift window can span at most {MAX_WINDOW.days} days.",
                           errors={"from": [f"At most {MAX_WINDOW.days} days before 'to'."]})
    if scheduled:
        existing = DriftReport.objects.filter(model_version=model_version, window_start=start, window_end=end,
                                              scheduled=True).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            drift = DriftReport.objects.create(
                model_version=model_version, window_start=start, window_end=end, scheduled=scheduled,
                reference_rows=len(model_version.reference_sample or []),
                requested_by=actor if getattr(actor, "is_authenticated", False) else None)
    except IntegrityError:  # the same scheduled window, requested concurrently
        return DriftReport.objects.get(model_version=model_version, window_start=start, window_end=end,
                                       scheduled=True)
    audit_record(actor=actor, action="drift_report.request", target=drift,
                 new={"model_version": str(model_version), "from": start.isoformat(), "to": end.isoformat()})
    from .tasks import drift_report_run_task

    transaction.on_commit(lambda: _enqueue(drift_report_run_task, drift.pk))
    return drift


def _feature_types(version: ModelVersion) -> dict[str, str]:
    stats = (version.reference_stats or {}).get("features", {})
    declared = {f["name"]: f.get("type") for f in (version.feature_schema or {}).get("features", [])}
    names = list(declared) or list(stats)
    return {name: declared.get(name) or (stats.get(name) or {}).get("type") or "string" for name in names}


def drift_report_run(*, drift_report_id: int) -> DriftReport | None:
    """Computes a queued drift report. Compare-and-set: a redelivered task does nothing."""
    if not DriftReport.objects.filter(pk=drift_report_id, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING):
        return None
    # The reference sample (up to 50,000 rows of JSON) is read once, straight into a frame.
    drift = (DriftReport.objects.select_related("model_version__model").defer("model_version__reference_sample")
             .get(pk=drift_report_id))
    version = drift.model_version
    try:
        reference = reference_frame(model_version_id=version.pk)
        if not len(reference):
            raise InvalidInput("This version has no reference sample to compare with. Register it with one "
                               "(register_model … --reference train.csv), then run the drift report again.")
        # Redacted features hold only a marker in the log: there is no distribution to compare.
        redacted = set(version.model.redacted_features or [])
        types = {name: kind for name, kind in _feature_types(version).items() if name not in redacted}
        categorical = {name for name, kind in types.items() if kind not in ("number", "integer")}
        window = window_frame(model_version_id=version.pk, start=drift.window_start, end=drift.window_end,
                              columns=list(types), categorical=categorical)
        drift.rows = len(window)
        drift.reference_rows = len(reference)
        if len(window) < settings.DRIFT_MIN_ROWS:
            drift.notes = [f"Only {len(window):,} predictions were logged in this window; at least "
                           f"{settings.DRIFT_MIN_ROWS:,} are needed to tell drift from chance."]
        else:
            summary = drift_summary(reference=reference, window=window, types=types)
            drift.features = _jsonable(summary["features"])
            drift.drifted_features = summary["drifted_features"]
            drift.share_drifted = summary["share_drifted"]
            drift.dataset_drift = summary["dataset_drift"]
        drift.status = JobStatus.SUCCEEDED
    except InvalidInput as error:
        drift.status, drift.error_message = JobStatus.FAILED, error.detail
    except Exception as exc:
        logger.exception("Drift report %s failed", drift_report_id)
        drift.status, drift.error_message = JobStatus.FAILED, f"{exc.__class__.__name__}: {exc}"[:2000]
    drift.finished_at = timezone.now()
    drift.save()
    # Only the daily run opens (or adds to) an incident: it is there for the drift nobody is
    # looking at. A run by hand has a person looking already, often over an exploratory
    # window (last week, before a fix) that overlaps the daily ones; an incident opened in
    # their name, or evidence added twice for the same days, would be noise.
    if drift.status == JobStatus.SUCCEEDED and drift.scheduled and drift.drifted_features \
            and settings.DRIFT_OPEN_INCIDENTS:
        drift_incident_open_or_add(drift_report=drift)
    return drift


@transaction.atomic
def drift_incident_open_or_add(*, drift_report: DriftReport) -> Incident:
    """Silent failures become visible: drift opens an incident for the model, or adds the
    report as evidence to the drift incident still open for it."""
    drift = DriftReport.objects.select_for_update().select_related("model_version__model").get(pk=drift_report.pk)
    if drift.incident_id:
        return drift.incident
    model = drift.model_version.model
    previous = (DriftReport.objects.filter(model_version__model=model, incident__status__in=ACTIVE_STATUSES)
                .exclude(pk=drift.pk).select_related("incident").order_by("-created_at").first())
    names = ", ".join(drift.drifted_features[:5]) + ("…" if len(drift.drifted_features) > 5 else "")
    if previous is not None:
        incident = previous.incident
    else:
        incident = incident_open(model=model, title=f"Live inputs drifted from training: {names}"[:200],
                                 severity="high" if drift.dataset_drift else "medium", actor=None)
    drift.incident = incident
    drift.save(update_fields=["incident"])
    # The post-mortem's why-nodes cite it from the incident's evidence; the first drift report
    # of a new incident is its first evidence.
    incident_evidence_add(
        incident_id=incident.pk, kind=EvidenceKind.DRIFT_REPORT, ref_id=drift.pk, actor=None,
        note=f"Drifted features: {', '.join(drift.drifted_features)}"
             + (" (dataset-level drift: half or more of the features drifted)." if drift.dataset_drift else "."))
    return incident


def drift_reports_schedule_daily(*, now: datetime | None = None) -> list[DriftReport]:
    """Yesterday's window (midnight to midnight in TIME_ZONE) for every version that logged
    predictions in it. Safe to run twice: a window already requested is not requested again."""
    now = timezone.localtime(now or timezone.now())
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=1)
    active = ModelVersion.objects.filter(
        pk__in=Prediction.objects.filter(timestamp__gte=start, timestamp__lt=end).values("model_version_id")
    ).select_related("model")
    return [drift_report_request(model_version=version, actor=None, start=start, end=end, scheduled=True)
            for version in active]


def report_forensics_sweep(*, now=None, older_than_seconds: int = 600) -> int:
    """Sends again the report forensics still queued long after they were asked for (the
    broker was down at intake, or the message was lost). Running one twice is harmless: the
    compute claims its row."""
    now = now or timezone.now()
    stranded = list(ReportForensics.objects.filter(status=JobStatus.QUEUED,
                                                   requested_at__lt=now - timedelta(seconds=older_than_seconds))
                    .order_by("requested_at").values_list("report_id", flat=True)[:1000])
    from .tasks import report_forensics_task

    for report_id in stranded:
        _enqueue(report_forensics_task, report_id)
    ReportForensics.objects.filter(report_id__in=stranded, status=JobStatus.QUEUED).update(requested_at=now)
    if stranded:
        logger.warning("Forensics sweep: sent %s queued report(s) again", len(stranded))
    return len(stranded)
