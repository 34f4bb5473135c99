"""Impact counted from the inference log, with the query written out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import PermissionDenied
from apps.postmortems.services import postmortem_measure_impact, postmortem_start
from apps.predictions.services import predictions_log
from tests.accounts.factories import access_world
from tests.registry.factories import iris_row
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db
FEATURE = "petal_length"


def _log(world, *, count: int, prefix: str, scaled: bool, users: int, hours_ago: float = 2):
    at = (timezone.now() - timedelta(hours=hours_ago)).isoformat()
    rows = []
    for index in range(count):
        features = iris_row(index)
        if scaled:
            features[FEATURE] *= 10  # logged in millimetres instead of centimetres
        rows.append({"prediction_id": f"{prefix}-{index}", "model": world.model.name,
                     "model_version": world.version.version, "features": features, "output": "virginica",
                     "timestamp": at, "context": {"user_id": f"u{index % users}"}})
    predictions_log(rows=rows)


def test_impact_counts_the_predictions_and_users_sharing_the_reports_odd_input():
    world = access_world()
    _log(world, count=30, prefix="mm", scaled=True, users=7)
    _log(world, count=50, prefix="cm", scaled=False, users=20)
    _log(world, count=10, prefix="old", scaled=True, users=10, hours_ago=24 * 5)  # outside the window
    features = iris_row(0) | {FEATURE: iris_row(0)[FEATURE] * 10}
    report = file_report(reporter=world.reporter, version=world.version, features=features, output="virginica",
                         index=3)
    postmortem_start(incident_id=report.incident_id, actor=world.member)

    measured = postmortem_measure_impact(incident_id=report.incident_id, actor=world.member)

    assert measured.affected_predictions == 30 and measured.affected_users == 7
    assert f"features.{FEATURE} >" in measured.impact_query and "30 of 80" in measured.impact_query
    assert "context.user_id: 7" in measured.impact_query
    assert measured.impact_started_at < measured.impact_ended_at


def test_without_an_odd_input_impact_counts_the_same_output_and_says_users_are_unknown():
    world = access_world()
    predictions_log(rows=[{"prediction_id": f"p{index}", "model": world.model.name,
                           "model_version": world.version.version, "features": iris_row(index),
                           "output": "setosa" if index < 4 else "versicolor",
                           "timestamp": (timezone.now() - timedelta(hours=1)).isoformat()} for index in range(10)])
    postmortem_start(incident_id=world.incident.pk, actor=world.member)

    measured = postmortem_measure_impact(incident_id=world.incident.pk, actor=world.member)

    assert measured.affected_predictions == 4 and measured.affected_users is None
    assert "output = 'setosa'" in measured.impact_query and "users are not counted" in measured.impact_query


def test_only_the_team_measures_impact():
    world = access_world()
    postmortem_start(incident_id=world.incident.pk, actor=world.member)
    with pytest.raises(PermissionDenied):
        postmortem_measure_impact(incident_id=world.incident.pk, actor=world.outsider)


def test_a_window_larger_than_the_read_limit_says_the_count_is_partial(monkeypatch):
    import apps.postmortems.impact as impact

    monkeypatch.setattr(impact, "MAX_ROWS", 5)
    world = access_world()
    _log(world, count=12, prefix="mm", scaled=True, users=3)
    features = iris_row(0) | {FEATURE: iris_row(0)[FEATURE] * 10}
    report = file_report(reporter=world.reporter, version=world.version, features=features, output="virginica",
                         index=3)
    postmortem_start(incident_id=report.incident_id, actor=world.member)

    measured = postmortem_measure_impact(incident_id=report.incident_id, actor=world.member)

    assert measured.affected_predictions == 5
    assert "Only the first 5 of the 12 predictions in the window were read" in measured.impact_query
