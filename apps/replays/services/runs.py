"""Starting and running replays. A replay's reports are split into chunks (REPLAY_CHUNK_SIZE
inputs each, by report id); each chunk is one Celery task that claims its chunk with a
compare-and-set, loads the inputs into one DataFrame, predicts in one vectorised call and
commits its results together with its share of the replay's counts. A chunk that dies
half-way commits nothing; the sweep (or a redelivery) runs it again from the start."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy
import pandas as pd
import sklearn
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import DomainError, InvalidInput
from apps.registry.backends import LoadedModel, PredictionOutcome, backend_for
from apps.registry.models import ModelVersion
from apps.registry.redaction import REDACTED
from apps.reports.models import InputsSource, Report

from ..comparison import has_nul, non_finite, output_diff, outputs_match
from ..expectations import expectation_met
from ..models import ExpectedOutcome, Replay, ReplayChunk, ReplayKind, ReplayResult, ReplayStatus, SuiteVerdict
from .reads import read_chunk_inputs
from .writes import replay_reports_write, results_write

logger = logging.getLogger(__name__)

MAX_REPORTS_PER_REPLAY = 100_000
_VERDICT_COUNT = {SuiteVerdict.PASS.value: "passed", SuiteVerdict.REGRESSED.value: "regressed",
                  SuiteVerdict.STILL_FAILING.value: "still_failing"}
_COUNTS = ("matched", "mismatched", "errors", "nondeterministic", "passed", "regressed", "still_failing")


def enqueue_chunks(chunk_ids: list[int]) -> int:
    """Tells the workers; returns how many chunks were sent. A broker outage leaves the rest
    queued for the sweep: it must not undo or hide the committed replay."""
    from ..tasks import replay_chunk_run_task

    sent: list[int] = []
    for chunk_id in chunk_ids:
        try:
            replay_chunk_run_task.delay(chunk_id)
        except Exception:
            logger.exception("Could not enqueue replay chunk %s; the sweep sends it again when the broker is back",
                             chunk_id)
            break
        sent.append(chunk_id)
    if sent:
        ReplayChunk.objects.filter(pk__in=sent, status=ReplayStatus.QUEUED).update(enqueued_at=timezone.now())
        Replay.objects.filter(chunks__in=sent, status=ReplayStatus.QUEUED).update(enqueued_at=timezone.now())
    return len(sent)


def _chunk_bounds(report_ids: list[int], size: int) -> list[tuple[int, int, int]]:
    return [(part[0], part[-1], len(part)) for part in
            (report_ids[start:start + size] for start in range(0, len(report_ids), size))]


def _ids(reports: Iterable[Report] | QuerySet) -> list[int]:
    # A report whose inputs are missing has nothing to replay until its logged prediction is linked.
    if isinstance(reports, QuerySet):
        return sorted(set(reports.exclude(inputs=InputsSource.MISSING).order_by().values_list("pk", flat=True)))
    return sorted({report.pk for report in reports if report.inputs != InputsSource.MISSING})


def _models_and_versions(report_ids: list[int], reports) -> set[tuple[int, int]]:
    """The (model, logged version) pairs among the reports, in one query where possible: a
    100,000-element IN list is slow to send and to plan."""
    if isinstance(reports, QuerySet):
        return set(reports.order_by().values_list("model_id", "model_version_id").distinct())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT model_id, model_version_id FROM {Report._meta.db_table} "
                           "WHERE id = ANY(%s)", [report_ids])
            return set(cursor.fetchall())
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(report_ids), 500):
        pairs |= set(Report.objects.filter(pk__in=report_ids[start:start + 500]).order_by()
                     .values_list("model_id", "model_version_id").distinct())
    return pairs


def replay_start(*, actor, model_version: ModelVersion, reports: Iterable[Report] | QuerySet, suite: bool = False,
                 dispatch: bool = True) -> Replay:
    """Queues a replay of the reports' stored inputs through `model_version`. The workers are
    told only after the replay and its chunks are committed, so they always find what they
    were sent. With `dispatch=False` nothing is sent: the caller runs it with `replay_run`
    (replay_suite)."""
    require_work_on_model(actor=actor, model=model_version.model, action="replay its reports")
    report_ids = _ids(reports)
    if not report_ids:
        raise InvalidInput("There are no reports to replay: a report whose inputs are missing is replayed once its "
                           "logged prediction is linked.", errors={"reports": ["Empty."]})
    if len(report_ids) > MAX_REPORTS_PER_REPLAY:
        raise InvalidInput(f"At most {MAX_REPORTS_PER_REPLAY} reports per replay.")
    pairs = _models_and_versions(report_ids, reports)
    if any(model_id != model_version.model_id for model_id, _ in pairs):
        count = sum(1 for start in range(0, len(report_ids), 500) for _ in Report.objects.filter(
            pk__in=report_ids[start:start + 500]).exclude(model=model_version.model).values_list("pk"))
        raise InvalidInput(f"{count} of the reports are about another model than {model_version.model.name}.",
                           errors={"reports": ["Reports must be about the replayed model."]})
    kind = ReplayKind.REPRODUCE if {version_id for _, version_id in pairs} == {model_version.pk} else ReplayKind.VERIFY
    bounds = _chunk_bounds(report_ids, max(1, settings.REPLAY_CHUNK_SIZE))
    with transaction.atomic():
        replay = Replay.objects.create(
            model_version=model_version, kind=kind, total=len(report_ids), suite=suite, chunks_total=len(bounds),
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        size = max(1, settings.REPLAY_CHUNK_SIZE)
        ReplayChunk.objects.bulk_create([
            ReplayChunk(replay=replay, index=index, first_report_id=first, last_report_id=last, size=count,
                        report_ids=report_ids[index * size:index * size + count])
            for index, (first, last, count) in enumerate(bounds)
        ])
        audit_record(actor=actor, action=AuditAction.REPLAY_START, target=replay,
                     new={"model_version": str(model_version), "reports": len(report_ids), "suite": suite,
                          "chunks": len(bounds)})
        if dispatch:
            chunk_ids = list(replay.chunks.order_by("index").values_list("pk", flat=True))
            transaction.on_commit(lambda: enqueue_chunks(chunk_ids))
    # The links from the reports to the replay (what a report's page lists) come after the
    # workers are told, in a transaction of their own: checking 100,000 foreign keys takes
    # PostgreSQL about a second, which the chunks need not wait for (they read their own ids).
    try:
        with transaction.atomic():
            replay_reports_write(replay_id=replay.pk, report_ids=report_ids)
    except IntegrityError:
        # A report was deleted meanwhile: link those that are left (the run counts the other
        # as an error, as for any report deleted before its chunk ran).
        left = [pk for start in range(0, len(report_ids), 500) for pk in Report.objects.filter(
            pk__in=report_ids[start:start + 500]).values_list("pk", flat=True)]
        with transaction.atomic():
            replay_reports_write(replay_id=replay.pk, report_ids=sorted(left))
    return replay


def replay_run(*, replay_id: int) -> Replay | None:
    """Runs every chunk of the replay that is still queued, here and now (the management
    command's path; also what an old whole-replay message does). Chunks another worker
    holds are left to it; running this twice does nothing the second time."""
    for chunk_id in ReplayChunk.objects.filter(replay_id=replay_id, status=ReplayStatus.QUEUED) \
            .order_by("index").values_list("pk", flat=True):
        replay_chunk_run(chunk_id=chunk_id)
    return Replay.objects.filter(pk=replay_id).first()


def _claim(chunk_id: int) -> int | None:
    """Compare-and-set: only one delivery of the chunk's task gets to run it. Returns the
    attempt number this run owns, which its final write must still match."""
    now = timezone.now()
    if not ReplayChunk.objects.filter(pk=chunk_id, status=ReplayStatus.QUEUED).update(
            status=ReplayStatus.RUNNING, started_at=now, attempts=F("attempts") + 1):
        return None
    chunk = ReplayChunk.objects.only("replay_id", "attempts").get(pk=chunk_id)
    Replay.objects.filter(pk=chunk.replay_id, status=ReplayStatus.QUEUED).update(
        status=ReplayStatus.RUNNING, started_at=now)
    Replay.objects.filter(pk=chunk.replay_id, attempts__lt=chunk.attempts).update(attempts=chunk.attempts)
    return chunk.attempts


@transaction.atomic
def chunk_fail(*, chunk_id: int, attempt: int | None, message: str) -> None:
    """The chunk cannot run (an unusable artifact, a server that is down, a time limit): the
    replay fails with the message, and its chunks not yet run are not run."""
    chunk = ReplayChunk.objects.get(pk=chunk_id)
    Replay.objects.select_for_update().filter(pk=chunk.replay_id).first()
    stale = ReplayChunk.objects.filter(pk=chunk_id, status=ReplayStatus.RUNNING)
    if attempt is not None:
        stale = stale.filter(attempts=attempt)
    if not stale.update(status=ReplayStatus.FAILED, error_message=message[:5000], finished_at=timezone.now()):
        return
    Replay.objects.filter(pk=chunk.replay_id, status__in=[ReplayStatus.QUEUED, ReplayStatus.RUNNING]).update(
        status=ReplayStatus.FAILED, error_message=message[:5000], finished_at=timezone.now())
    ReplayChunk.objects.filter(replay_id=chunk.replay_id, status=ReplayStatus.QUEUED).update(
        status=ReplayStatus.FAILED, error_message="Not run: another chunk of the replay failed.",
        finished_at=timezone.now())


@dataclass
class ChunkWork:
    # Rows in the order of writes.RESULT_COLUMNS: plain tuples, 100,000 model instances cost.
    results: list[tuple] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    warnings: list[str] = field(default_factory=list)


def replay_chunk_run(*, chunk_id: int) -> ReplayChunk | None:
    """Runs one chunk. A failure is recorded on the replay, never raised, so a worker
    survives any model. Running it twice does nothing the second time."""
    attempt = _claim(chunk_id)
    if attempt is None:
        logger.info("Replay chunk %s is not queued any more; nothing to do", chunk_id)
        return ReplayChunk.objects.filter(pk=chunk_id).first()
    # The version's reference sample and statistics can be megabytes of JSON: not needed here.
    chunk = (ReplayChunk.objects.select_related("replay__model_version__model")
             .defer("replay__model_version__reference_sample", "replay__model_version__reference_stats")
             .get(pk=chunk_id))
    try:
        work = _predict_chunk(chunk)
    except DomainError as exc:
        chunk_fail(chunk_id=chunk_id, attempt=attempt, message=exc.detail)
        return ReplayChunk.objects.get(pk=chunk_id)
    except SoftTimeLimitExceeded:
        chunk_fail(chunk_id=chunk_id, attempt=attempt, message=(
            f"A chunk of {chunk.size} inputs took longer than the task time limit "
            f"({settings.CELERY_TASK_SOFT_TIME_LIMIT}s); lower REPLAY_CHUNK_SIZE or raise the limit."))
        return ReplayChunk.objects.get(pk=chunk_id)
    except Exception as exc:  # noqa: BLE001 — anything the model raises is a finding, not a crash
        logger.exception("Replay chunk %s failed", chunk_id)
        chunk_fail(chunk_id=chunk_id, attempt=attempt, message=f"{exc.__class__.__name__}: {exc}")
        return ReplayChunk.objects.get(pk=chunk_id)
    _chunk_commit(chunk=chunk, attempt=attempt, work=work)
    return ReplayChunk.objects.get(pk=chunk_id)


def _load(version: ModelVersion) -> LoadedModel:
    return backend_for(version.backend).load(version_id=version.pk, artifact_uri=version.artifact_uri,
                                             sha256=version.sha256, feature_names=version.feature_names,
                                             feature_types=version.feature_types)


def _predict_chunk(chunk: ReplayChunk) -> ChunkWork:
    replay = chunk.replay
    version = replay.model_version
    model = version.model
    loaded = _load(version)
    rows, frame = read_chunk_inputs(chunk=chunk, version=version)
    outcome = _predict_reproducible(loaded, frame)
    tolerance = {"abs_tol": model.abs_tolerance, "rel_tol": model.rel_tolerance}

    outputs, errors = outcome.outputs, outcome.errors
    for position, output in enumerate(outputs):
        if errors[position] is None and non_finite(output):
            errors[position] = f"The model returned a non-finite number ({output!r}); it cannot be compared or stored."
            outputs[position] = None
        elif errors[position] is None and has_nul(output):
            errors[position] = "The model returned text with a NUL character, which cannot be stored."
            outputs[position] = None
        elif errors[position] is not None:
            errors[position] = errors[position].replace("\x00", "\ufffd")

    report_ids = [row[0] for row in rows]
    unstable = _nondeterministic(loaded=loaded, frame=frame, outputs=outputs, errors=errors, report_ids=report_ids,
                                 replay=replay, tolerance=tolerance)
    in_chunk = set(report_ids)
    expectations = {expected.report_id: expected for expected in ExpectedOutcome.objects.filter(
        report_id__gte=chunk.first_report_id, report_id__lte=chunk.last_report_id) if expected.report_id in in_chunk}
    passed_before = _passed_before(replay=replay, rows=rows, expectations=expectations, tolerance=tolerance) \
        if replay.suite and expectations else set()

    work = ChunkWork(warnings=loaded.warnings)
    counts = work.counts
    for position, (report_id, logged, _) in enumerate(rows):
        output, error = outputs[position], errors[position]
        expected = expectations.get(report_id)
        met = None
        if expected is not None and error is None:
            met = expectation_met(predicate=expected.predicate, value=expected.value, field=expected.field,
                                  output=output, **tolerance)
        verdict = ""
        if replay.suite and expected is not None:
            verdict = (SuiteVerdict.PASS.value if met else SuiteVerdict.REGRESSED.value
                       if report_id in passed_before else SuiteVerdict.STILL_FAILING.value)
            counts[_VERDICT_COUNT[verdict]] += 1
        flagged = report_id in unstable
        counts["nondeterministic"] += flagged
        if error is not None:
            counts["errors"] += 1
            work.results.append((replay.pk, report_id, None, None, None, error, flagged, met, verdict))
            continue
        same = outputs_match(logged, output, **tolerance)
        counts["matched" if same else "mismatched"] += 1
        diff = None if same else output_diff(logged, output)
        if flagged:
            diff = (diff or {}) | {"nondeterministic": unstable[report_id]}
        work.results.append((replay.pk, report_id, output, same, diff, "", flagged, met, verdict))
    counts["errors"] += chunk.size - len(rows)  # reports deleted since the replay was queued
    return work


def _redacted_rows(frame: pd.DataFrame, feature_names: list[str]) -> dict[int, str]:
    """Rows the model cannot be run on because a feature it takes was redacted: only a marker
    was stored, and guessing a value would make the replay say something untrue."""
    columns = [name for name in frame.columns if not feature_names or name in feature_names]
    if not columns or frame.empty:
        return {}
    marks = frame[columns].isin([REDACTED]).to_numpy()  # one vectorised pass; numbers never match
    blocked: dict[int, str] = {}
    for position in numpy.flatnonzero(marks.any(axis=1)):
        used = sorted(name for index, name in enumerate(columns) if marks[position, index])
        blocked[int(position)] = (
            f"Cannot reproduce: {', '.join(used)} {'is' if len(used) == 1 else 'are'} redacted for this model, so "
            "the value the model saw was never stored and this input cannot be run again."
        )
    return blocked


def _predict_reproducible(loaded: LoadedModel, frame: pd.DataFrame) -> PredictionOutcome:
    blocked = _redacted_rows(frame, loaded.feature_names)
    if not blocked:
        return loaded.predict_frame(frame)
    keep = [position for position in range(len(frame)) if position not in blocked]
    partial = loaded.predict_frame(frame.iloc[keep].reset_index(drop=True)) if keep else PredictionOutcome([], [])
    outputs: list[Any] = [None] * len(frame)
    errors: list[str | None] = [None] * len(frame)
    for index, position in enumerate(keep):
        outputs[position], errors[position] = partial.outputs[index], partial.errors[index]
    for position, message in blocked.items():
        errors[position] = message
    return PredictionOutcome(outputs=outputs, errors=errors)


def _nondeterministic(*, loaded: LoadedModel, frame: pd.DataFrame, outputs: list[Any], errors: list[str | None],
                      report_ids: list[int], replay: Replay, tolerance: dict[str, float]) -> dict[int, list[Any]]:
    """Report ids whose input gave different outputs on this same version: predicted again
    here (a sample of the chunk), or replayed before on the version with another answer."""
    unstable: dict[int, list[Any]] = {}
    sample = [position for position, error in enumerate(errors) if error is None][:settings.REPLAY_DETERMINISM_SAMPLE]
    if sample:
        again = loaded.predict_frame(frame.iloc[sample].reset_index(drop=True))
        for index, position in enumerate(sample):
            second = again.outputs[index]
            if again.errors[index] is None and not outputs_match(outputs[position], second, **tolerance):
                unstable[report_ids[position]] = [outputs[position], second]
    # Usually there are few other replays of the version, often none: then no query at all.
    others = list(Replay.objects.filter(model_version_id=replay.model_version_id).exclude(pk=replay.pk)
                  .values_list("pk", flat=True)[:1000]) if report_ids else []
    if others:
        position_of = {report_id: position for position, report_id in enumerate(report_ids)}
        earlier = (ReplayResult.objects.filter(replay_id__in=others, report_id__gte=report_ids[0],
                                               report_id__lte=report_ids[-1], error="")
                   .values_list("report_id", "output"))
        for report_id, output in earlier.iterator(chunk_size=5000):
            position = position_of.get(report_id)
            if position is None or errors[position] is not None or report_id in unstable:
                continue
            if not outputs_match(output, outputs[position], **tolerance):
                unstable[report_id] = [output, outputs[position]]
    return unstable


def _passed_before(*, replay: Replay, rows: list[tuple], expectations: dict[int, ExpectedOutcome],
                   tolerance: dict[str, float]) -> set[int]:
    """Reports whose expected outcome held on a version registered before this one: in an
    earlier replay, or in the output logged by an earlier version."""
    version = replay.model_version
    earlier_versions = set(ModelVersion.objects.filter(model_id=version.model_id, created_at__lt=version.created_at)
                           .values_list("pk", flat=True))
    if not earlier_versions:
        return set()

    def holds(report_id: int, output: Any) -> bool:
        expected = expectations[report_id]
        return expectation_met(predicate=expected.predicate, value=expected.value, field=expected.field,
                               output=output, **tolerance)

    passed = {report_id for report_id, logged, logged_version in rows
              if report_id in expectations and logged_version in earlier_versions and holds(report_id, logged)}
    earlier_outputs = (ReplayResult.objects.filter(report_id__in=list(set(expectations) - passed), error="",
                                                   replay__model_version_id__in=earlier_versions)
                       .values_list("report_id", "output"))
    for report_id, output in earlier_outputs.iterator(chunk_size=2000):
        if report_id not in passed and holds(report_id, output):
            passed.add(report_id)
    return passed


def _runtime_versions() -> dict[str, str]:
    return {"runtime:scikit-learn": sklearn.__version__, "runtime:numpy": numpy.__version__,
            "runtime:pandas": pd.__version__, "runtime:joblib": joblib.__version__}


def _chunk_commit(*, chunk: ReplayChunk, attempt: int, work: ChunkWork) -> bool:
    """One transaction: the chunk's claim is checked again (still ours, same attempt), its
    results are written and its counts added to the replay. If anything fails, nothing of
    it stays, and the chunk runs again later."""
    replay_id = chunk.replay_id
    now = timezone.now()
    with transaction.atomic():
        if not ReplayChunk.objects.filter(pk=chunk.pk, status=ReplayStatus.RUNNING, attempts=attempt).update(
                status=ReplayStatus.SUCCEEDED, finished_at=now):
            logger.warning("Replay chunk %s was taken over by another run; its results are not written", chunk.pk)
            return False
        results_write(work.results)
        # Locked only now, after the bulk write: the replay row's lock serialises the chunks'
        # last steps (so exactly one of them sees that all are done and finishes the run)
        # without making the other chunks wait for this one's COPY.
        replay = Replay.objects.select_for_update().filter(pk=replay_id).only("status", "warnings", "total").first()
        stopped = replay is None or replay.status != ReplayStatus.RUNNING
        if stopped:
            transaction.set_rollback(True)  # the run failed meanwhile: none of this chunk is kept
        else:
            warnings = sorted(set(replay.warnings or []) | set(work.warnings))
            library_versions = chunk.replay.model_version.library_versions | _runtime_versions()
            Replay.objects.filter(pk=replay_id).update(
                chunks_done=F("chunks_done") + 1, processed=F("processed") + chunk.size, warnings=warnings,
                library_versions=library_versions, **{name: F(name) + work.counts[name] for name in _COUNTS})
            if not ReplayChunk.objects.filter(replay_id=replay_id).exclude(status=ReplayStatus.SUCCEEDED).exists():
                missing = replay.total - ReplayResult.objects.filter(replay_id=replay_id).count()
                Replay.objects.filter(pk=replay_id, status=ReplayStatus.RUNNING).update(
                    status=ReplayStatus.SUCCEEDED, finished_at=now,
                    error_message=f"{missing} report(s) no longer exist." if missing else "")
    if stopped:
        ReplayChunk.objects.filter(pk=chunk.pk, status=ReplayStatus.RUNNING, attempts=attempt).update(
            status=ReplayStatus.FAILED, finished_at=now, error_message="Not written: the replay had stopped.")
        return False
    return True
