"""Writes for the differential diagnosis: ask for one (at intake, on demand, when inputs are
linked later) and compute it in a task that claims the row with a compare-and-set, so a
redelivered message does nothing twice."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.enqueue import delay_on_commit
from apps.core.errors import Conflict
from apps.reports.models import Report

from .engine import diagnose, gather
from .models import DIAGNOSIS_TRANSITIONS, Diagnosis, DiagnosisStatus

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 5000


@transaction.atomic
def diagnosis_request(*, report: Report, actor, on_intake: bool = False) -> Diagnosis:
    """Queues (again) the diagnosis of a report. At intake (and when the tracker itself links a
    report's inputs) no permission is needed; asked for by a person, it is team work. A
    diagnosis already queued stays queued: asking twice runs it once."""
    if not on_intake:
        if report.model_id is None:
            # A report in the Unsorted inbox (issue 16): no model, nothing to run yet.
            raise Conflict("This report has no model yet: sort it to a model first, and it is diagnosed then.")
        require_work_on_model(actor=actor, model=report.model, action="recompute a report's diagnosis")
    diagnosis, created = Diagnosis.objects.select_for_update().get_or_create(report=report)
    if not created and diagnosis.status != DiagnosisStatus.PENDING:
        # A run in progress may have read the old inputs: it is re-queued, and its result is
        # not written (its claim no longer matches).
        DIAGNOSIS_TRANSITIONS.check(diagnosis.status, DiagnosisStatus.PENDING)
        diagnosis.status = DiagnosisStatus.PENDING
    diagnosis.requested_at = timezone.now()
    diagnosis.error_message = ""
    diagnosis.save(update_fields=["status", "requested_at", "error_message"])
    if not on_intake:
        audit_record(actor=actor, action=AuditAction.REPORT_DIAGNOSIS_REQUEST, target=report, new={"status": "pending"})
    from .tasks import diagnosis_compute_task

    delay_on_commit(diagnosis_compute_task, report.pk)
    return diagnosis


def diagnosis_on_report_inputs(sender=None, *, report: Report, actor, **kwargs) -> None:
    """Receives `report_inputs_arrived` (apps/reports/hooks.py), sent when a report's inputs are
    there: the diagnosis
    is asked for after the report commits, in a transaction of its own, so intake never waits
    for it and never fails because of it."""
    report_id = report.pk

    def request() -> None:
        try:
            fresh = Report.objects.select_related("model").get(pk=report_id)
            diagnosis_request(report=fresh, actor=actor, on_intake=True)
        except Exception:  # noqa: BLE001 — the report is stored; a POST asks again
            logger.exception("Could not queue the diagnosis of report %s", report_id)

    transaction.on_commit(request)


def _claim(report_id: int) -> int | None:
    """Compare-and-set: only one run gets a pending diagnosis (or one whose run died past the
    task time limit). Returns the attempt number this run owns."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = Diagnosis.objects.filter(
        Q(status=DiagnosisStatus.PENDING) | Q(status=DiagnosisStatus.RUNNING, started_at__lt=stale),
        report_id=report_id,
    ).update(status=DiagnosisStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Diagnosis.objects.filter(report_id=report_id).values_list("attempts", flat=True).first()


def diagnosis_compute(*, report_id: int) -> Diagnosis | None:
    """Runs the checks and stores the ranked hypotheses. Safe to run twice: only a pending
    diagnosis is claimed, and the result is written only while the claim is still this run's
    (a request meanwhile re-queues it for fresh inputs). Never raises for what a model does."""
    attempt = _claim(report_id)
    if attempt is None:
        logger.info("The diagnosis of report %s is not pending; nothing to do", report_id)
        return Diagnosis.objects.filter(report_id=report_id).first()
    started = time.perf_counter()
    mine = Diagnosis.objects.filter(report_id=report_id, status=DiagnosisStatus.RUNNING, attempts=attempt)
    try:
        report = Report.objects.select_related("model", "model_version").get(pk=report_id)
        outcome = diagnose(gather(report))
    except Exception as exc:  # noqa: BLE001 — recorded on the diagnosis, never a crashed worker
        logger.exception("The diagnosis of report %s failed", report_id)
        mine.update(status=DiagnosisStatus.FAILED, computed_at=timezone.now(),
                    error_message=f"{exc.__class__.__name__}: {exc}"[:MAX_ERROR_LENGTH])
        return Diagnosis.objects.filter(report_id=report_id).first()
    mine.update(status=DiagnosisStatus.DONE, summary=outcome.summary, hypotheses=outcome.hypotheses,
                notes=outcome.notes, computed_at=timezone.now(), error_message="",
                duration_ms=int((time.perf_counter() - started) * 1000))
    return Diagnosis.objects.filter(report_id=report_id).first()


def diagnoses_sweep(*, now=None, older_than_seconds: int = 600) -> int:
    """Sends again the diagnoses still pending long after they were asked for (the broker was
    down, or the message was lost), and those whose run died past the task time limit. Safe
    to run twice: the compute claims its row."""
    from apps.core.enqueue import delay_now

    from .tasks import diagnosis_compute_task

    now = now or timezone.now()
    stale_run = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stranded = list(Diagnosis.objects.filter(
        Q(status=DiagnosisStatus.PENDING, requested_at__lt=now - timedelta(seconds=older_than_seconds))
        | Q(status=DiagnosisStatus.RUNNING, started_at__lt=stale_run))
        .order_by("requested_at").values_list("report_id", flat=True)[:1000])
    sent = [report_id for report_id in stranded if delay_now(diagnosis_compute_task, report_id)]
    Diagnosis.objects.filter(report_id__in=sent, status=DiagnosisStatus.PENDING).update(requested_at=now)
    if sent:
        logger.warning("Diagnosis sweep: sent %s diagnosis(es) again", len(sent))
    return len(sent)
