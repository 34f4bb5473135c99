"""Logged predictions are deleted after the retention period, by a daily task, except those a
report points at."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from apps.feedback.models import Feedback
from apps.feedback.services import feedback_give
from apps.predictions.models import Prediction
from apps.predictions.services import predictions_purge
from apps.predictions.tasks import predictions_purge_task
from apps.registry.services import model_retention_set
from apps.reports.services import report_create
from tests.predictions.factories import log_predictions, prediction_row
from tests.registry.factories import trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def _log(version, ages_in_days: dict[str, float]) -> None:
    now = timezone.now()
    log_predictions(*(prediction_row(version, pid, at=now - timedelta(days=age)) for pid, age in ages_in_days.items()))


def _stored() -> set[str]:
    return set(Prediction.objects.values_list("prediction_id", flat=True))


def test_predictions_older_than_the_retention_period_are_deleted(settings, version):
    settings.PREDICTION_RETENTION_DAYS = 90
    _log(version, {"old": 91, "older": 400, "recent": 89, "today": 0})

    result = predictions_purge()

    assert _stored() == {"recent", "today"}
    assert result.deleted == 2 and result.per_model == {"iris": 2}


def test_a_models_own_retention_wins_over_the_default(settings, version):
    settings.PREDICTION_RETENTION_DAYS = 90
    short = trained_version("short-lived", "1")
    model_retention_set(model=short.model, days=7)
    long = trained_version("long-lived", "1")
    model_retention_set(model=long.model, days=365)
    _log(version, {"iris-100d": 100, "iris-10d": 10})
    _log(short, {"short-10d": 10, "short-3d": 3})
    _log(long, {"long-100d": 100, "long-400d": 400})

    predictions_purge()

    assert _stored() == {"iris-10d", "short-3d", "long-100d"}


def test_a_prediction_a_report_points_at_is_kept(user, version):
    _log(version, {"reported": 200, "unreported": 200})
    report = report_create(reporter=user, model_name="iris", prediction_id="reported", title="Odd")

    result = predictions_purge()

    assert _stored() == {"reported"}
    assert result.kept_for_reports == 1
    report.refresh_from_db()
    assert report.logged_prediction.prediction_id == "reported"


def test_feedback_on_a_purged_prediction_keeps_its_id_and_verdict(user, version):
    _log(version, {"liked": 200})
    feedback_give(model_name="iris", prediction_id="liked", verdict="up", actor=user)

    predictions_purge()

    feedback = Feedback.objects.get()
    assert feedback.logged_prediction is None
    assert (feedback.prediction_id, feedback.verdict, feedback.label) == ("liked", "up", "setosa")


def test_the_purge_works_in_batches_and_a_second_run_deletes_nothing(version):
    _log(version, {f"old-{i}": 100 + i for i in range(7)} | {"new": 1})

    first = predictions_purge(batch_size=2)
    second = predictions_purge(batch_size=2)

    assert first.deleted == 7 and second.deleted == 0
    assert _stored() == {"new"}


def test_a_dry_run_counts_and_deletes_nothing(version):
    _log(version, {"old": 100, "new": 1})

    result = predictions_purge(dry_run=True)

    assert result.dry_run and result.deleted == 1
    assert _stored() == {"old", "new"}


@pytest.mark.parametrize("days", [0, -1])
def test_a_retention_of_zero_keeps_everything_and_a_negative_one_deletes_nothing(settings, version, days):
    settings.PREDICTION_RETENTION_DAYS = days
    _log(version, {"ancient": 5000})

    assert predictions_purge().deleted == 0
    assert _stored() == {"ancient"}


def test_the_command_prints_what_it_did_and_honours_dry_run(user, version, capsys):
    _log(version, {"old": 100, "older": 200, "reported": 300, "new": 1})
    report_create(reporter=user, model_name="iris", prediction_id="reported", title="Odd")

    call_command("purge_predictions", "--dry-run")
    dry = capsys.readouterr().out
    call_command("purge_predictions", "--batch-size", "1")
    real = capsys.readouterr().out

    assert "Would delete 2 logged prediction(s)" in dry and "iris: 2" in dry and "Kept 1" in dry
    assert "Deleted 2 logged prediction(s)" in real
    assert _stored() == {"reported", "new"}


def test_the_daily_task_purges_and_logs_how_many(version, caplog):
    _log(version, {"old": 100, "new": 1})

    with caplog.at_level(logging.INFO, logger="apps.predictions.services"):
        predictions_purge_task.delay()

    assert _stored() == {"new"}
    assert "Deleted 1 logged prediction(s) past their retention period (iris: 1)" in caplog.text


def test_celery_beat_runs_the_purge_once_a_day():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-predictions"]
    assert entry["task"] == predictions_purge_task.name
    schedule = entry["schedule"]
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1 and len(schedule.day_of_week) == 7
