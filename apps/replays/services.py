from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import joblib
import numpy
import pandas as pd
import sklearn
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.services import audit_record
from apps.core.errors import DomainError, InvalidInput
from apps.registry.backends import PredictionOutcome, backend_for
from apps.registry.models import ModelVersion
from apps.registry.redaction import redacted_names
from apps.reports.models import Report

from .comparison import output_diff, outputs_match
from .models import Replay, ReplayKind, ReplayResult, ReplayStatus

logger = logging.getLogger(__name__)

MAX_REPORTS_PER_REPLAY = 100_000


def _enqueue(replay_id: int) -> bool:
    from .tasks import replay_run_task

    try:
        replay_run_task.delay(replay_id)
    except Exception:  # a broker outage must not undo or hide the committed replay row
        logger.exception("Could not enqueue replay %s; the sweep sends it again when the broker is back", replay_id)
        return False
    Replay.objects.filter(pk=replay_id, status=ReplayStatus.QUEUED).update(enqueued_at=timezone.now())
    return True


@transaction.atomic
def replay_start(*, actor, model_version: ModelVersion, reports: Iterable[Report]) -> Replay:
    """Queues a replay of the reports' stored inputs through `model_version`. The worker is
    told only after the row is committed, so it always finds what it was sent."""
    require_work_on_model(actor=actor, model=model_version.model, action="replay its reports")
    report_ids = sorted({report.pk for report in reports})
    if not report_ids:
        raise InvalidInput("There are no reports to replay.", errors={"reports": ["Empty."]})
    if len(report_ids) > MAX_REPORTS_PER_REPLAY:
        raise InvalidInput(f"At most {MAX_REPORTS_PER_REPLAY} reports per replay.")
    foreign = Report.objects.filter(pk__in=report_ids).exclude(model=model_version.model).count()
    if foreign:
        raise InvalidInput(f"{foreign} of the reports are about another model than {model_version.model.name}.",
                           errors={"reports": ["Reports must be about the replayed model."]})
    own_versions = set(Report.objects.filter(pk__in=report_ids).values_list("model_version_id", flat=True))
    kind = ReplayKind.REPRODUCE if own_versions == {model_version.pk} else ReplayKind.VERIFY
    replay = Replay.objects.create(
        model_version=model_version, kind=kind, total=len(report_ids),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    replay.reports.through.objects.bulk_create(
        [replay.reports.through(replay_id=replay.pk, report_id=report_id) for report_id in report_ids],
        batch_size=5000,
    )
    audit_record(actor=actor, action="replay.start", target=replay,
                 new={"model_version": str(model_version), "reports": len(report_ids)})
    transaction.on_commit(lambda: _enqueue(replay.pk))
    return replay


def _claim(replay_id: int) -> bool:
    """Compare-and-set: only the first delivery of the task gets to run the replay."""
    return bool(
        Replay.objects.filter(pk=replay_id, status=ReplayStatus.QUEUED)
        .update(status=ReplayStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    )


def _fail(replay_id: int, message: str) -> None:
    Replay.objects.filter(pk=replay_id, status=ReplayStatus.RUNNING).update(
        status=ReplayStatus.FAILED, error_message=message[:5000], finished_at=timezone.now()
    )


def replay_run(*, replay_id: int) -> Replay | None:
    """Runs a queued replay: loads the inputs into one DataFrame, predicts in one vectorised
    call, stores a result per report. A failure is recorded on the replay, never raised, so a
    worker survives any model. Running it twice does nothing the second time."""
    if not _claim(replay_id):
        logger.info("Replay %s is not queued any more; nothing to do", replay_id)
        return Replay.objects.filter(pk=replay_id).first()
    replay = Replay.objects.select_related("model_version__model").get(pk=replay_id)
    version = replay.model_version
    try:
        backend = backend_for(version.backend)
        loaded = backend.load(version_id=version.pk, artifact_uri=version.artifact_uri, sha256=version.sha256,
                              feature_names=version.feature_names)
        reports = list(replay.reports.order_by("pk").only("id", "features", "output"))
        unreproducible = _redacted_inputs(reports, loaded.feature_names)
        runnable = [report for report in reports if report.pk not in unreproducible]
        if runnable:
            outcome = loaded.predict_frame(pd.DataFrame.from_records([report.features for report in runnable]))
        else:
            outcome = PredictionOutcome(outputs=[], errors=[])
    except DomainError as exc:
        _fail(replay_id, exc.detail)
        return Replay.objects.get(pk=replay_id)
    except Exception as exc:  # noqa: BLE001 — anything the model raises is a finding, not a crash
        logger.exception("Replay %s failed", replay_id)
        _fail(replay_id, f"{exc.__class__.__name__}: {exc}")
        return Replay.objects.get(pk=replay_id)

    model = version.model
    results = [ReplayResult(replay_id=replay_id, report_id=report_id, error=message)
               for report_id, message in unreproducible.items()]
    matched = mismatched = 0
    errors = len(unreproducible)
    for report, output, error in zip(runnable, outcome.outputs, outcome.errors, strict=False):
        if error:
            errors += 1
            results.append(ReplayResult(replay_id=replay_id, report_id=report.pk, error=error))
            continue
        same = outputs_match(report.output, output, abs_tol=model.abs_tolerance, rel_tol=model.rel_tolerance)
        matched += same
        mismatched += not same
        results.append(ReplayResult(replay_id=replay_id, report_id=report.pk, output=output, matches_original=same,
                                    diff=None if same else output_diff(report.output, output)))
    missing = replay.total - len(reports)  # reports deleted since the replay was queued
    with transaction.atomic():
        ReplayResult.objects.bulk_create(results, ignore_conflicts=True)
        Replay.objects.filter(pk=replay_id, status=ReplayStatus.RUNNING).update(
            status=ReplayStatus.SUCCEEDED, matched=matched, mismatched=mismatched, errors=errors + missing,
            warnings=loaded.warnings, library_versions=version.library_versions | _runtime_versions(),
            error_message=f"{missing} report(s) no longer exist." if missing else "",
            finished_at=timezone.now(),
        )
    return Replay.objects.get(pk=replay_id)


def _redacted_inputs(reports: list[Report], feature_names: list[str]) -> dict[int, str]:
    """Reports the model cannot be run on because a feature it takes was redacted: only a
    marker was stored, and guessing a value would make the replay say something untrue."""
    blocked: dict[int, str] = {}
    for report in reports:
        names = redacted_names(report.features) if isinstance(report.features, dict) else []
        used = [name for name in names if not feature_names or name in feature_names]
        if used:
            blocked[report.pk] = (
                f"Cannot reproduce: {', '.join(used)} {'is' if len(used) == 1 else 'are'} redacted for this "
                "model, so the value the model saw was never stored and this input cannot be run again."
            )
    return blocked


def _runtime_versions() -> dict[str, str]:
    return {"runtime:scikit-learn": sklearn.__version__, "runtime:numpy": numpy.__version__,
            "runtime:pandas": pd.__version__, "runtime:joblib": joblib.__version__}


@dataclass(frozen=True)
class SweepResult:
    requeued: int  # left running by a worker that died
    failed: int  # died too often: given up
    resent: int  # queued, but the worker was never told (broker outage) or lost the message


def replays_sweep(*, now=None) -> SweepResult:
    """Safe to run any time, from several beat schedulers at once: every move is a
    compare-and-set, and a replay sent twice still runs once (replay_run claims it)."""
    now = now or timezone.now()
    # A task cannot still be running past its hard time limit: its worker is gone.
    lost_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    lost = Replay.objects.filter(status=ReplayStatus.RUNNING, started_at__lt=lost_before)
    failed = lost.filter(attempts__gte=settings.REPLAY_MAX_ATTEMPTS).update(
        status=ReplayStatus.FAILED, finished_at=now,
        error_message=f"The worker running this replay stopped {settings.REPLAY_MAX_ATTEMPTS} times (killed, out of "
                      "memory or lost); it was given up. Check the worker logs, or run a smaller replay.")
    requeued = lost.filter(attempts__lt=settings.REPLAY_MAX_ATTEMPTS).update(
        status=ReplayStatus.QUEUED, started_at=None, enqueued_at=None)
    # Never sent (the broker was down when it was queued): as soon as it is surely not just
    # being committed. Sent but not picked up: after a generous wait, since queues can be long.
    unsent = Q(enqueued_at__isnull=True) & (Q(created_at__lt=now - timedelta(seconds=60)) | Q(attempts__gt=0))
    unpicked = Q(enqueued_at__lt=now - timedelta(seconds=settings.REPLAY_RESEND_AFTER_SECONDS))
    stranded = list(Replay.objects.filter(status=ReplayStatus.QUEUED).filter(unsent | unpicked)
                    .order_by("created_at").values_list("pk", flat=True)[:1000])
    resent = sum(_enqueue(replay_id) for replay_id in stranded)
    if failed or requeued or resent:
        logger.warning("Replay sweep: %s restarted after a lost worker, %s given up, %s sent again",
                       requeued, failed, resent)
    return SweepResult(requeued=requeued, failed=failed, resent=resent)
