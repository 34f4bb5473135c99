"""A replay goes through a real `celery worker` process on the real Redis broker and the real
PostgreSQL database — the path production takes, not the in-process one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from apps.replays.models import Replay, ReplayStatus
from apps.replays.services import replay_start
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker_process(workers):
    return workers.start()


def _wait_until_finished(replay_id: int, timeout: float = 90) -> Replay:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replay = Replay.objects.get(pk=replay_id)
        if replay.is_finished:
            return replay
        time.sleep(0.2)
    raise AssertionError(f"replay {replay_id} still {replay.status} after {timeout}s")


def test_a_replay_runs_through_a_real_worker_on_redis(celery_worker_process, user):
    version = trained_version()
    matching = file_report(reporter=user, version=version, index=0, output="setosa")
    wrong = file_report(reporter=user, version=version, index=100, output="setosa")

    replay = replay_start(actor=user, model_version=version, reports=[matching, wrong])
    assert Replay.objects.get(pk=replay.pk).status == ReplayStatus.QUEUED or celery_worker_process.poll() is None

    finished = _wait_until_finished(replay.pk)

    assert finished.status == ReplayStatus.SUCCEEDED, finished.error_message
    assert (finished.total, finished.matched, finished.mismatched, finished.errors) == (2, 1, 1, 0)
    assert finished.results.get(report=wrong).output == "virginica"
    assert celery_worker_process.poll() is None, "the worker must survive the run"


def test_a_failing_model_fails_the_run_on_the_worker_and_the_worker_lives_on(celery_worker_process, user):
    version = trained_version()
    report = file_report(reporter=user, version=version)
    Path(version.artifact_uri).write_bytes(b"not a model any more")

    replay = replay_start(actor=user, model_version=version, reports=[report])
    finished = _wait_until_finished(replay.pk)

    assert finished.status == ReplayStatus.FAILED
    assert "changed since it was registered" in finished.error_message
    assert celery_worker_process.poll() is None


def test_after_a_broker_outage_the_sweep_hands_the_replay_to_a_real_worker(celery_worker_process, user,
                                                                            monkeypatch):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from apps.replays import tasks
    from apps.replays.services import replays_sweep

    version = trained_version()
    report = file_report(reporter=user, version=version, output="setosa")
    with monkeypatch.context() as outage:
        outage.setattr(tasks.replay_chunk_run_task, "delay",
                       lambda *args, **kwargs: (_ for _ in ()).throw(OperationalError("broker down")))
        replay = replay_start(actor=user, model_version=version, reports=[report])
    # With the broker back, the next replay reaches the worker and runs: the worker is up and has
    # emptied the queue, and the one started during the outage is still kept, waiting.
    after = replay_start(actor=user, model_version=version, reports=[report])
    assert _wait_until_finished(after.pk).status == ReplayStatus.SUCCEEDED
    assert Replay.objects.get(pk=replay.pk).status == ReplayStatus.QUEUED

    assert replays_sweep(now=timezone.now() + timedelta(minutes=2)).resent == 1
    finished = _wait_until_finished(replay.pk)
    assert finished.status == ReplayStatus.SUCCEEDED and finished.matched == 1


def _wait_for(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"still waiting for {what} after {timeout}s")


def test_a_worker_killed_mid_run_loses_nothing_and_counts_nothing_twice(workers, user, settings, monkeypatch):
    """SIGKILL the worker while it runs the second of three chunks; a new worker takes the
    rest, the sweep restarts the lost chunk, and the counts come out exact."""
    from apps.forensics import services as forensics_services

    # Filing a report queues its forensics on the same queue; with a deliberately slow model,
    # twelve of them (three predicts each) would hold the worker for about a minute before the
    # replay's first chunk, and the timing below is about the replay alone.
    monkeypatch.setattr(forensics_services, "_enqueue", lambda task, *args: None)
    import signal
    from datetime import timedelta

    from django.utils import timezone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from apps.replays.models import ReplayChunk
    from apps.replays.services import replays_sweep
    from tests.replays.estimators import SlowClassifier

    settings.REPLAY_CHUNK_SIZE = 4
    slow = SlowClassifier(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), seconds=1.5)
    version = trained_version(model_name="slow-iris", estimator=slow)
    matching = [file_report(reporter=user, version=version, index=i) for i in range(6)]
    wrong = [file_report(reporter=user, version=version, index=i, output="setosa") for i in range(100, 106)]
    # One predict per chunk (no second look for nondeterminism) keeps the timing simple.
    first_worker = workers.start(REPLAY_DETERMINISM_SAMPLE="0")

    replay = replay_start(actor=user, model_version=version, reports=matching + wrong)
    chunks = {chunk.index: chunk.pk for chunk in ReplayChunk.objects.filter(replay=replay)}
    assert len(chunks) == 3

    def status(index: int) -> str:
        return ReplayChunk.objects.get(pk=chunks[index]).status

    _wait_for(lambda: status(0) == "succeeded" and status(1) == "running", "the second chunk to start")
    first_worker.send_signal(signal.SIGKILL)
    first_worker.wait(timeout=10)
    assert status(1) == "running"  # claimed by a dead worker: nothing of it was written
    assert Replay.objects.get(pk=replay.pk).results.count() == 4

    workers.start(REPLAY_DETERMINISM_SAMPLE="0")
    _wait_for(lambda: status(2) == "succeeded", "the new worker to run the third chunk")
    # The chunk the dead worker held is restarted once it is surely lost (the sweep runs every
    # minute from beat; here it is called with its clock moved past the threshold).
    later = timezone.now() + timedelta(seconds=settings.REPLAY_LOST_AFTER_SECONDS + 1)
    assert replays_sweep(now=later).requeued == 1

    finished = _wait_until_finished(replay.pk)
    assert finished.status == ReplayStatus.SUCCEEDED, finished.error_message
    assert (finished.total, finished.matched, finished.mismatched, finished.errors) == (12, 6, 6, 0)
    assert (finished.processed, finished.chunks_done, finished.results.count()) == (12, 3, 12)
    assert ReplayChunk.objects.get(pk=chunks[1]).attempts == 2
