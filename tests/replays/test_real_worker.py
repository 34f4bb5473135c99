"""A replay goes through a real `celery worker` process on the real Redis broker and the real
PostgreSQL database — the path production takes, not the in-process one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from apps.replays.models import Replay, ReplayStatus
from apps.replays.services import replay_start
from mlincidents.celery import app as celery_app
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs the PostgreSQL run: another process cannot see SQLite's in-memory test database")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("REDIS_URL is not set: the PostgreSQL run must have the Redis broker (see .ci/run)")

    # A queue of its own, so parallel test processes and other runs never take each other's tasks.
    queue = f"test-{uuid.uuid4().hex[:12]}"
    if celery_app.conf.broker_url != redis_url:
        pytest.fail(f"Celery's broker is {celery_app.conf.broker_url}, expected REDIS_URL {redis_url}")
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "mlincidents.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "ARTIFACT_ROOT": str(settings.ARTIFACT_ROOT),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mlincidents", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO", "-n", f"{queue}@%h"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        celery_app.conf.update(saved)
        print((tmp_path / "worker.log").read_text()[-3000:])


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
    time.sleep(1)
    assert Replay.objects.get(pk=replay.pk).status == ReplayStatus.QUEUED  # kept, waiting

    assert replays_sweep(now=timezone.now() + timedelta(minutes=2)).resent == 1
    finished = _wait_until_finished(replay.pk)
    assert finished.status == ReplayStatus.SUCCEEDED and finished.matched == 1
