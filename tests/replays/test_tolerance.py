"""Match rules: labels exactly, scores within the model's tolerance, which the team sets per
model (register_model options or the admin)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, PermissionDenied
from apps.registry.models import Model
from apps.registry.services import model_tolerance_set
from apps.replays.comparison import outputs_match
from apps.replays.services import replay_start
from tests.accounts.factories import TeamFactory, UserFactory, admin_user
from tests.admin_forms import admin_form_data
from tests.registry.factories import train_artifact, trained_version
from tests.replays.estimators import ScoreRegressor
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

LOOSE = {"abs_tol": 0.5, "rel_tol": 0.0}


@pytest.mark.parametrize("logged, replayed, same", [
    ("setosa", "setosa", True),
    ("setosa", "Setosa", False),
    (True, True, True),
    (True, 1, False),  # a boolean is not the number 1
    (2, 2, True),
    (2, 3, False),  # integer class ids are labels: never "close enough", whatever the tolerance
    (0.30, 0.70, True),  # scores: within abs 0.5
    (0.30, 0.90, False),
    (2, 2.4, True),  # a float on either side makes it a score
    ([0.1, "a"], [0.2, "a"], True),
    ([0.1, "a"], [0.2, "b"], False),
    ({"label": "x", "score": 0.1}, {"label": "x", "score": 0.4}, True),
    ({"label": "x", "score": 0.1}, {"label": "y", "score": 0.1}, False),
    ({"label": "x"}, {"label": "x", "score": 0.1}, False),
])
def test_labels_compare_exactly_and_scores_within_tolerance(logged, replayed, same):
    assert outputs_match(logged, replayed, **LOOSE) is same


def test_a_regression_score_matches_within_the_models_tolerance(user, run_on_commit):
    version = trained_version(model_name="petal-width", estimator=ScoreRegressor())
    exact = version.model
    close = file_report(reporter=user, version=version, index=0, output=0.0)

    with run_on_commit():
        strict = replay_start(actor=user, model_version=version, reports=[close])
    strict.refresh_from_db()
    replayed = strict.results.get().output
    assert strict.mismatched == 1 and abs(replayed) > 1e-6

    model_tolerance_set(model=exact, abs_tolerance=abs(replayed) * 2)
    with run_on_commit():
        tolerant = replay_start(actor=user, model_version=version, reports=[close])
    tolerant.refresh_from_db()
    assert tolerant.matched == 1


def test_register_model_sets_the_tolerance(tmp_path, capsys):
    artifact = train_artifact(tmp_path / "m.joblib")
    call_command("register_model", "scores", "1", "--artifact", str(artifact), "--abs-tolerance", "0.01",
                 "--rel-tolerance", "0.001")
    model = Model.objects.get(name="scores")
    assert (model.abs_tolerance, model.rel_tolerance) == (0.01, 0.001)
    assert "abs 0.01, rel 0.001" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="model.tolerance_set", target_id=str(model.pk)).exists()


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_a_tolerance_must_be_a_finite_non_negative_number(value):
    model = trained_version().model
    with pytest.raises(InvalidInput):
        model_tolerance_set(model=model, abs_tolerance=value)


def test_only_the_owning_team_changes_the_tolerance():
    model = trained_version(team=TeamFactory()).model
    with pytest.raises(PermissionDenied):
        model_tolerance_set(model=model, abs_tolerance=0.1, actor=UserFactory())


def test_the_admin_changes_the_tolerance_through_the_service(client):
    model = trained_version().model
    client.force_login(admin_user())
    page = client.get(f"/admin/registry/model/{model.pk}/change/")
    assert "Replay tolerance" in page.content.decode()

    url = f"/admin/registry/model/{model.pk}/change/"
    response = client.post(url, admin_form_data(client.get(url)) | {"abs_tolerance": "0.05"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    model.refresh_from_db()
    assert model.abs_tolerance == 0.05
    event = AuditEvent.objects.get(action="model.tolerance_set")
    assert event.old == {"abs_tolerance": 1e-6} and event.new == {"abs_tolerance": 0.05}
