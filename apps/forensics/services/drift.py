"""Drift reports over windows of the inference log, and the daily run that opens (or adds
to) an incident when live inputs drift from training."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput
from apps.incidents.evidence import incident_evidence_add
from apps.incidents.models import ACTIVE_STATUSES, EvidenceKind, Incident
from apps.incidents.services import incident_open
from apps.predictions.models import Prediction
from apps.registry.models import ModelVersion

from ..drift import drift_summary
from ..joint_drift import joint_drift
from ..models import DriftReport, JobStatus
from ..window import reference_frame, window_frame
from .common import enqueue, jsonable

logger = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=92)


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
    audit_record(actor=actor, action=AuditAction.DRIFT_REPORT_REQUEST, target=drift,
                 new={"model_version": str(model_version), "from": start.isoformat(), "to": end.isoformat()})
    from ..tasks import drift_report_run_task

    transaction.on_commit(lambda: enqueue(drift_report_run_task, drift.pk))
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
            # The joint view rides along each feature's result: rows that do not fit the others.
            for name, view in joint_drift(reference=reference, window=window,
                                          joint=(version.reference_stats or {}).get("joint")).items():
                if name in summary["features"]:
                    summary["features"][name]["joint"] = view
            drift.features = jsonable(summary["features"])
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
