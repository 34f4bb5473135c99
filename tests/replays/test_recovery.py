"""Nothing is lost when the broker is down or a worker dies: the sweep sends stranded replays
again and restarts those a dead worker left running."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.replays import tasks
from apps.replays.models import Replay, ReplayChunk, ReplayStatus
from apps.replays.services import replay_start, replays_sweep
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(user):
    return file_report(reporter=user, version=trained_version(), output="setosa")


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.replay_chunk_run_task, "delay", refuse)
    return monkeypatch


def test_a_replay_requested_while_the_broker_is_down_is_kept_and_runs_when_it_is_back(
        api_client, report, broker_down, run_on_commit):
    with run_on_commit():
        response = api_client.post(f"/api/v1/reports/{report.pk}/replays/", {}, format="json")

    replay = Replay.objects.get(pk=response.json()["id"])
    assert response.status_code == 202
    assert (replay.status, replay.enqueued_at) == (ReplayStatus.QUEUED, None)

    broker_down.undo()  # the broker is back
    assert replays_sweep().resent == 0  # too fresh: it may still be on its way
    result = replays_sweep(now=timezone.now() + timedelta(minutes=2))

    replay.refresh_from_db()
    assert result.resent == 1
    assert replay.status == ReplayStatus.SUCCEEDED and replay.matched == 1


def _left_running_by_a_dead_worker(replay, settings, attempts=1):
    long_ago = timezone.now() - timedelta(seconds=settings.REPLAY_LOST_AFTER_SECONDS + 60)
    Replay.objects.filter(pk=replay.pk).update(status=ReplayStatus.RUNNING, started_at=long_ago, attempts=attempts)
    replay.chunks.update(status=ReplayStatus.RUNNING, started_at=long_ago, attempts=attempts)


def test_a_replay_left_running_by_a_dead_worker_is_restarted(user, report, settings):
    with_dead_worker = replay_start(actor=user, model_version=report.model_version, reports=[report])
    _left_running_by_a_dead_worker(with_dead_worker, settings)

    result = replays_sweep()

    with_dead_worker.refresh_from_db()
    assert (result.requeued, result.resent) == (1, 1)
    assert with_dead_worker.status == ReplayStatus.SUCCEEDED and with_dead_worker.attempts == 2


def test_a_replay_that_kills_its_worker_again_and_again_is_given_up(user, report, settings):
    replay = replay_start(actor=user, model_version=report.model_version, reports=[report])
    _left_running_by_a_dead_worker(replay, settings, attempts=settings.REPLAY_MAX_ATTEMPTS)

    assert replays_sweep().failed == 1
    replay.refresh_from_db()
    assert replay.status == ReplayStatus.FAILED and "stopped 3 times" in replay.error_message


def test_the_sweep_leaves_running_and_recently_sent_replays_alone(user, report):
    running = replay_start(actor=user, model_version=report.model_version, reports=[report])
    sent = replay_start(actor=user, model_version=report.model_version, reports=[report])
    Replay.objects.filter(pk=running.pk).update(status=ReplayStatus.RUNNING, started_at=timezone.now(), attempts=1)
    running.chunks.update(status=ReplayStatus.RUNNING, started_at=timezone.now(), attempts=1)
    ReplayChunk.objects.filter(replay=sent).update(enqueued_at=timezone.now())

    result = replays_sweep(now=timezone.now() + timedelta(minutes=2))

    assert (result.requeued, result.failed, result.resent) == (0, 0, 0)
    assert Replay.objects.get(pk=sent.pk).status == ReplayStatus.QUEUED
