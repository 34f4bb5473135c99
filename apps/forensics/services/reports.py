"""A report's cached forensics: attribution, similar training rows and how common its odd
values are in today's log. Computed by a task after intake, safe to run twice."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict
from apps.registry.backends import ArtifactError, backend_for
from apps.registry.models import ModelVersion
from apps.registry.redaction import redacted_names
from apps.registry.reference_checks import fmt, input_checks, quoted
from apps.reports.models import Report

from ..attribution import attribute
from ..models import JobStatus, ReportForensics
from ..neighbours import nearest, neighbours_summary
from ..onset import report_signature_write
from ..repairs import repairs_for
from ..selectors import prevalence_message
from ..window import window_frame
from .common import enqueue, jsonable

_PREVALENCE_FLAGS = {"above_max", "below_min", "unseen_category", "missing", "default_value"}


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
        audit_record(actor=actor, action=AuditAction.REPORT_FORENSICS_REQUEST, target=report, new={"status": "queued"})
    from ..tasks import report_forensics_task

    transaction.on_commit(lambda: enqueue(report_forensics_task, report.pk))
    return forensics


def report_forensics_on_report_inputs(sender=None, *, report: Report, actor, **kwargs) -> None:
    """Receives `report_inputs_arrived` (apps/reports/hooks.py), sent inside the transaction that
    filed a report with its inputs or linked its logged prediction: queues its forensics as at
    intake. The queued row is written in that transaction (the API's answer shows it queued), in
    a savepoint of its own (`report_forensics_request` is atomic): if it fails, only the savepoint
    rolls back, the hook logs the error and the report is stored all the same. The task runs
    after commit."""
    if not report.has_inputs or report.model_version_id is None:
        return
    report_forensics_request(report=report, actor=actor, on_intake=True)


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
    repairs: list[dict[str, Any]] = []
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
            repairs = _repairs(version=version, report=report, features=features, checks=checks, notes=notes)
    prevalence = _prevalence(report=report, checks=checks, now=now or timezone.now())
    forensics = ReportForensics.objects.get(report_id=report_id)
    forensics.repairs = jsonable(repairs)
    forensics.attribution = jsonable(attribution)
    forensics.neighbours = jsonable(neighbours)
    forensics.prevalence = prevalence
    forensics.notes = notes
    forensics.status = JobStatus.SUCCEEDED
    forensics.computed_at = timezone.now()
    forensics.save()
    report_signature_write(report_id=report_id)
    return forensics


def _repairs(*, version: ModelVersion, report: Report, features: dict, checks: list[dict],
             notes: list[str]) -> list[dict[str, Any]]:
    try:
        return repairs_for(version=version, features=features, checks=checks, output=report.output)
    except Exception as exc:  # the model is third-party code: its error is a note, not a crash
        notes.append(f"The suggested repairs could not be tried on the model ({exc.__class__.__name__}: "
                     f"{str(exc)[:200]}).")
        return []


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
            condition = f"= {quoted(check['value'])}"
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
