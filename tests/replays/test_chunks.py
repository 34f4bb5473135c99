"""Large runs are split into chunks, each claimed and written on its own: counts are exact
whatever is delivered twice, restarted or deleted on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.replays.models import Replay, ReplayChunk, ReplayResult, ReplayStatus
from apps.replays.services import replay_chunk_run, replay_run, replay_start, replays_sweep
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(user):
    version = trained_version()
    # Rows 0–49 are setosa; 100 and 120 are logged with a label the model does not give.
    matching = [file_report(reporter=user, version=version, index=i) for i in range(5)]
    wrong = [file_report(reporter=user, version=version, index=i, output="setosa") for i in (100, 120)]
    return matching + wrong


def test_a_run_is_split_into_chunks_whose_counts_add_up(user, reports, settings, run_on_commit):
    settings.REPLAY_CHUNK_SIZE = 3
    with run_on_commit():
        replay = replay_start(actor=user, model_version=reports[0].model_version, reports=reports)
    replay.refresh_from_db()

    assert list(replay.chunks.values_list("size", "status")) == [(3, "succeeded"), (3, "succeeded"),
                                                                 (1, "succeeded")]
    assert (replay.total, replay.matched, replay.mismatched, replay.errors) == (7, 5, 2, 0)
    assert (replay.chunks_total, replay.chunks_done, replay.processed, replay.progress) == (3, 3, 7, 1.0)
    assert replay.results.count() == 7


def test_progress_is_visible_while_chunks_are_still_queued(user, reports, settings, api_client):
    settings.REPLAY_CHUNK_SIZE = 4
    replay = replay_start(actor=user, model_version=reports[0].model_version, reports=reports, dispatch=False)
    replay_chunk_run(chunk_id=replay.chunks.get(index=0).pk)

    body = api_client.get(f"/api/v1/replays/{replay.pk}/").json()
    assert body["status"] == "running"
    assert (body["processed"], body["total"], body["chunks_done"], body["chunks_total"]) == (4, 7, 1, 2)
    assert body["progress"] == pytest.approx(4 / 7, abs=1e-3)
    page = api_client.get(f"/replays/{replay.pk}/")  # the token client is no browser session
    assert page.status_code == 302
    api_client.force_login(user)
    html = api_client.get(f"/replays/{replay.pk}/").content.decode()
    assert '<progress max="100" value="57"' in html and 'data-pending="true"' in html


def test_a_redelivered_chunk_counts_nothing_twice(user, reports, settings):
    settings.REPLAY_CHUNK_SIZE = 3
    replay = replay_start(actor=user, model_version=reports[0].model_version, reports=reports, dispatch=False)
    first = replay.chunks.get(index=0)
    replay_chunk_run(chunk_id=first.pk)
    replay_chunk_run(chunk_id=first.pk)  # the broker delivers the same message again
    replay_run(replay_id=replay.pk)
    replay_run(replay_id=replay.pk)
    replay.refresh_from_db()

    assert replay.status == ReplayStatus.SUCCEEDED
    assert (replay.matched + replay.mismatched, replay.processed, replay.results.count()) == (7, 7, 7)


def test_a_chunk_taken_over_after_its_worker_was_presumed_dead_writes_nothing(user, reports, settings):
    """The old run of a chunk (attempt 1) finishing after the sweep restarted it (attempt 2)
    must not write: the final write checks the attempt it claimed."""
    from django.db.models import F
    from sklearn.linear_model import LogisticRegression

    from tests.replays.estimators import InterruptedClassifier

    settings.REPLAY_CHUNK_SIZE = 10
    stalled = trained_version(version="2.0", estimator=InterruptedClassifier(LogisticRegression(max_iter=1000)))
    replay = replay_start(actor=user, model_version=stalled, reports=reports, dispatch=False)
    chunk = replay.chunks.get()
    # While the first worker predicts, the sweep presumes it dead and another worker claims the chunk.
    InterruptedClassifier.meanwhile = lambda: ReplayChunk.objects.filter(pk=chunk.pk).update(
        attempts=F("attempts") + 1)

    replay_chunk_run(chunk_id=chunk.pk)

    assert InterruptedClassifier.meanwhile is None  # the takeover did happen mid-run
    assert ReplayChunk.objects.get(pk=chunk.pk).attempts == 2
    assert ReplayResult.objects.filter(replay=replay).count() == 0
    assert Replay.objects.get(pk=replay.pk).processed == 0


def test_a_chunk_left_running_by_a_dead_worker_is_restarted_and_the_run_completes(user, reports, settings):
    settings.REPLAY_CHUNK_SIZE = 3
    replay = replay_start(actor=user, model_version=reports[0].model_version, reports=reports, dispatch=False)
    replay_chunk_run(chunk_id=replay.chunks.get(index=0).pk)
    long_ago = timezone.now() - timedelta(seconds=settings.REPLAY_LOST_AFTER_SECONDS + 5)
    replay.chunks.filter(index=1).update(status=ReplayStatus.RUNNING, started_at=long_ago, attempts=1)

    result = replays_sweep(now=timezone.now() + timedelta(minutes=2))
    replay.refresh_from_db()

    assert result.requeued == 1 and result.resent == 2  # the lost chunk and the one never sent
    assert replay.status == ReplayStatus.SUCCEEDED
    assert (replay.matched, replay.mismatched, replay.results.count()) == (5, 2, 7)
    assert replay.chunks.get(index=1).attempts == 2


def test_a_failing_chunk_fails_the_run_and_its_queued_chunks_are_not_run(user, reports, settings):
    settings.REPLAY_CHUNK_SIZE = 3
    version = reports[0].model_version
    replay = replay_start(actor=user, model_version=version, reports=reports, dispatch=False)
    replay_chunk_run(chunk_id=replay.chunks.get(index=0).pk)
    with open(version.artifact_uri, "ab") as handle:
        handle.write(b"tampered")
    from apps.registry.backends.cache import loaded_models

    loaded_models.clear()
    replay_run(replay_id=replay.pk)
    replay.refresh_from_db()

    assert replay.status == ReplayStatus.FAILED and "changed since it was registered" in replay.error_message
    assert list(replay.chunks.values_list("status", flat=True)) == ["succeeded", "failed", "failed"]
    # What was committed is whole chunks only: three results, counted once.
    assert (replay.results.count(), replay.processed, replay.matched) == (3, 3, 3)


def test_reports_deleted_before_their_chunk_runs_are_counted_as_errors(user, reports, settings):
    settings.REPLAY_CHUNK_SIZE = 4
    replay = replay_start(actor=user, model_version=reports[0].model_version, reports=reports, dispatch=False)
    from apps.reports.models import Report

    Report.objects.filter(pk=reports[-1].pk).delete()
    replay_run(replay_id=replay.pk)
    replay.refresh_from_db()

    assert replay.status == ReplayStatus.SUCCEEDED
    assert (replay.matched, replay.mismatched, replay.errors) == (5, 1, 1)
    assert replay.error_message == "1 report(s) no longer exist."


def test_a_replay_of_a_deleted_report_is_404(api_client, user, reports):
    from apps.reports.models import Report

    gone = reports[0].pk
    Report.objects.filter(pk=gone).delete()
    response = api_client.post(f"/api/v1/reports/{gone}/replays/", {}, format="json")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
