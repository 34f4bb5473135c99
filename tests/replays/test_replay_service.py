import pytest

from apps.replays.models import ReplayResult, ReplayStatus
from apps.replays.services import replay_run, replay_start
from tests.registry.factories import trained_version
from tests.replays.factories import constant_version, replayed
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def test_replaying_with_the_logged_version_reproduces_the_output(user, version):
    report = file_report(reporter=user, version=version, index=0, output="setosa")

    replay = replayed(user, version, [report])

    assert replay.status == ReplayStatus.SUCCEEDED
    assert (replay.total, replay.matched, replay.mismatched, replay.errors) == (1, 1, 0, 0)
    result = replay.results.get()
    assert result.output == "setosa" and result.matches_original is True and result.diff is None
    assert replay.kind == "reproduce"
    assert replay.library_versions["runtime:scikit-learn"]


def test_a_logged_output_the_model_does_not_give_is_a_mismatch_with_a_diff(user, version):
    report = file_report(reporter=user, version=version, index=0, output="virginica")

    replay = replayed(user, version, [report])
    result = ReplayResult.objects.get(replay=replay)

    assert result.matches_original is False
    assert result.diff == {"logged": "virginica", "replayed": "setosa"}


def test_another_version_can_verify_a_fix(user, version):
    report = file_report(reporter=user, version=version, index=0, output="setosa")
    candidate = constant_version("virginica")

    replay = replayed(user, candidate, [report])

    assert replay.kind == "verify"
    assert replay.mismatched == 1
    assert replay.results.get().output == "virginica"


def test_many_reports_are_replayed_in_one_run(user, version):
    reports = [file_report(reporter=user, version=version, index=i) for i in (0, 60, 120)]
    replay = replayed(user, version, reports)
    assert replay.total == 3 and replay.matched + replay.mismatched == 3
    assert replay.results.count() == 3


def test_a_tampered_artifact_fails_the_run_with_a_clear_message(user, version):
    report = file_report(reporter=user, version=version)
    with open(version.artifact_uri, "ab") as handle:
        handle.write(b"!")

    replay = replayed(user, version, [report])

    assert replay.status == ReplayStatus.FAILED
    assert "has changed since it was registered" in replay.error_message
    assert replay.results.count() == 0


def test_an_input_the_model_cannot_take_is_a_row_error_not_a_crash(user, version):
    good = file_report(reporter=user, version=version, index=0)
    bad = file_report(reporter=user, version=version, index=1,
                      features={"sepal_length": "long", "sepal_width": 1, "petal_length": 1, "petal_width": 1},
                      allow_schema_mismatch=True)

    replay = replayed(user, version, [good, bad])

    assert replay.status == ReplayStatus.SUCCEEDED
    assert (replay.matched, replay.errors) == (1, 1)
    assert "could not convert" in replay.results.get(report=bad).error.lower()


def test_running_a_replay_twice_does_nothing_the_second_time(user, version):
    report = file_report(reporter=user, version=version)
    replay = replayed(user, version, [report])

    replay_run(replay_id=replay.pk)  # a redelivered message
    replay.refresh_from_db()

    assert replay.results.count() == 1 and replay.matched == 1


def test_a_broker_outage_keeps_the_replay_queued_instead_of_losing_it(user, version, monkeypatch, run_on_commit):
    from apps.replays import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.replay_chunk_run_task, "delay", broker_down)
    report = file_report(reporter=user, version=version)
    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=[report])
    replay.refresh_from_db()
    assert replay.status == ReplayStatus.QUEUED

    replay_run(replay_id=replay.pk)  # what a worker does once the broker is back
    replay.refresh_from_db()
    assert replay.status == ReplayStatus.SUCCEEDED


def test_reports_of_another_model_cannot_be_replayed_on_this_one(user, version):
    from apps.core.errors import InvalidInput

    other = trained_version(model_name="other")
    report = file_report(reporter=user, version=version)
    with pytest.raises(InvalidInput, match="another model"):
        replay_start(actor=user, model_version=other, reports=[report])
