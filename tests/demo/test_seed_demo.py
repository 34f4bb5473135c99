import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.forensics.selectors import input_checks
from apps.predictions.models import Prediction
from apps.registry.models import ModelVersion
from apps.reports.models import Report

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_model_with_two_versions_predictions_and_reports(capsys):
    call_command("seed_demo")

    assert "demo / mlincidents-demo" in capsys.readouterr().out
    assert authenticate(username="demo", password="mlincidents-demo") is not None
    assert set(ModelVersion.objects.values_list("version", flat=True)) == {"1.0", "1.1"}
    assert Prediction.objects.count() == 300
    assert Report.objects.count() == 4


def test_seed_demo_twice_duplicates_nothing():
    call_command("seed_demo")
    call_command("seed_demo")
    assert ModelVersion.objects.count() == 2
    assert Prediction.objects.count() == 300
    assert Report.objects.count() == 4


def test_the_demo_unit_change_report_points_at_its_culprit():
    call_command("seed_demo")
    report = Report.objects.get(title__startswith="Every wine")
    first = input_checks(model_version=report.model_version, features=report.features)[0]
    assert first["feature"] == "proline"
    assert "scale_shift" in first["flags"]
    assert report.output != report.expected.split(",")[0]  # the unit change really changed the answer


def test_the_demo_shows_each_role():
    from django.contrib.auth import get_user_model

    from apps.reports.selectors import report_list

    call_command("seed_demo")
    people = {user.username: user for user in get_user_model().objects.all()}

    assert Report.objects.get(prediction_id="wine-00042").reporter == people["casey"]
    assert report_list(user=people["casey"]).count() == 1
    assert report_list(user=people["sam"]).count() == 4
    assert ModelVersion.objects.first().model.team.slug == "cellar"
