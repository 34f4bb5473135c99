"""The `oip` backend against a real Seldon MLServer (1.7.1, mlserver-sklearn, default model
settings) serving a scikit-learn pipeline trained here, registered beside the same joblib
file on the `sklearn` backend: a replay through the server must say what the local model says.
The server runs from .venv-mlserver (scripts/mlserver-env), once per session."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
from django.conf import settings
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from apps.registry.backends.base import ArtifactError
from apps.registry.services import model_version_register
from apps.replays.models import ReplayStatus
from apps.replays.services import replay_start
from tests.registry.factories import iris_frame
from tests.registry.mlserver import RealMLServer
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

COLOURS = ["red", "green", "blue"]


def _training_frame():
    """Iris with a text, an integer and a boolean feature, so that every tensor datatype
    (FP64, BYTES, INT64, BOOL) travels."""
    features, labels = iris_frame()
    features["colour"] = [COLOURS[i % 3] for i in range(len(features))]
    features["stems"] = [1 + i % 4 for i in range(len(features))]
    features["wild"] = [i % 2 == 0 for i in range(len(features))]
    return features, labels


def _train():
    features, labels = _training_frame()
    numbers = ["sepal_length", "sepal_width", "petal_length", "petal_width", "stems", "wild"]
    estimator = make_pipeline(
        # An unknown colour makes the model raise, as an unseen category does in production.
        make_column_transformer((OneHotEncoder(handle_unknown="error"), ["colour"]), (StandardScaler(), numbers)),
        LogisticRegression(max_iter=1000),
    )
    return estimator.fit(features, labels)


def _row(index: int, **changes) -> dict:
    features, _ = _training_frame()
    row = {name: value.item() if hasattr(value, "item") else value for name, value in features.iloc[index].items()}
    return row | changes


def _versions(mlserver, name: str, *, output: str = ""):
    """The same trained pipeline as version 1 (sklearn, joblib file) and 2 (oip, on MLServer)."""
    estimator = _train()
    features, _ = _training_frame()
    artifact = Path(settings.ARTIFACT_ROOT) / f"{name}.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, artifact)
    local = model_version_register(model_name=name, version="1", artifact_uri=str(artifact), reference=features)
    endpoint = mlserver.serve(name, estimator)
    served = model_version_register(model_name=name, version="2", backend="oip", reference=features,
                                    artifact_uri=f"{endpoint}?output={output}" if output else endpoint)
    return estimator, local, served


def _replay(user, version, reports, run_on_commit):
    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=reports)
    replay.refresh_from_db()
    return replay


def _outcome(replay):
    return (replay.status, replay.matched, replay.mismatched, replay.errors)


def test_replays_through_mlserver_match_the_sklearn_backend(user, mlserver, run_on_commit):
    estimator, local, served = _versions(mlserver, "flowers")
    rows = [_row(i) for i in range(0, 150, 10)]
    logged = estimator.predict(_training_frame()[0].iloc[list(range(0, 150, 10))]).tolist()
    reports = [file_report(reporter=user, version=local, features=row, output=label)
               for row, label in zip(rows, logged, strict=True)]
    reports += [file_report(reporter=user, version=local, features=_row(1), output="no such flower")]
    unseen = file_report(reporter=user, version=local, features=_row(2, colour="purple"), output=logged[0])

    on_sklearn = _replay(user, local, [*reports, unseen], run_on_commit)
    on_mlserver = _replay(user, served, [*reports, unseen], run_on_commit)

    assert _outcome(on_sklearn) == (ReplayStatus.SUCCEEDED, 15, 1, 1), on_sklearn.error_message
    assert _outcome(on_mlserver) == _outcome(on_sklearn), on_mlserver.error_message
    assert ({r.report_id: r.output for r in on_mlserver.results.all()}
            == {r.report_id: r.output for r in on_sklearn.results.all()})
    # The model's own exception, wrapped by MLServer as a 500, is that row's error only.
    error = on_mlserver.results.get(report=unseen).error
    assert "HTTP 500" in error and "Found unknown categories ['purple']" in error


def test_a_chosen_output_is_asked_of_mlserver(user, mlserver, run_on_commit):
    estimator, local, served = _versions(mlserver, "petals", output="predict_proba")
    reports = [file_report(reporter=user, version=local, features=_row(i), output="setosa") for i in (0, 60, 120)]

    replay = _replay(user, served, reports, run_on_commit)

    assert replay.status == ReplayStatus.SUCCEEDED, replay.error_message
    expected = estimator.predict_proba(_training_frame()[0].iloc[[0, 60, 120]])
    got = [replay.results.get(report=report).output for report in reports]
    assert np.allclose(got, expected, atol=1e-9)


def test_a_run_mlserver_refuses_entirely_fails_with_its_message(user, mlserver, run_on_commit):
    _, local, served = _versions(mlserver, "unseen")
    reports = [file_report(reporter=user, version=local, features=_row(i, colour="purple"), output="setosa")
               for i in range(3)]
    replay = _replay(user, served, reports, run_on_commit)
    assert replay.status == ReplayStatus.FAILED
    assert "refused every input (3)" in replay.error_message
    assert "Found unknown categories ['purple']" in replay.error_message


def test_a_wrong_model_name_is_refused_at_registration_and_fails_a_run(user, mlserver, run_on_commit):
    features, _ = _training_frame()
    endpoint = f"{mlserver.base}/v2/models/nosuch/versions/1"
    with pytest.raises(ArtifactError, match="HTTP 404: Model nosuch with version 1 not found"):
        model_version_register(model_name="nosuch", version="1", backend="oip", artifact_uri=endpoint,
                               reference=features)
    offline = model_version_register(model_name="nosuch", version="1", backend="oip", artifact_uri=endpoint,
                                     reference=features, check_server=False)
    reports = [file_report(reporter=user, version=offline, features=_row(i), output="setosa") for i in range(4)]

    replay = _replay(user, offline, reports, run_on_commit)

    assert replay.status == ReplayStatus.FAILED
    assert f"no model at {endpoint}/infer" in replay.error_message
    assert replay.results.count() == 0


def test_registration_records_the_real_server(mlserver):
    _, _, served = _versions(mlserver, "recorded")
    assert served.library_versions["server"] == "mlserver 1.7.1"


def test_a_stopped_mlserver_fails_the_run_and_writes_nothing(user, tmp_path, run_on_commit, mlserver):
    # A server of its own: the session's must stay up for the other tests.
    own = RealMLServer(tmp_path).start()
    try:
        estimator = _train()
        features, _ = _training_frame()
        endpoint = own.serve("briefly", estimator)
        version = model_version_register(model_name="briefly", version="1", backend="oip", artifact_uri=endpoint,
                                         reference=features)
        reports = [file_report(reporter=user, version=version, features=_row(i), output="setosa") for i in range(3)]
        assert _replay(user, version, reports, run_on_commit).status == ReplayStatus.SUCCEEDED
    finally:
        own.stop()

    stopped = _replay(user, version, reports, run_on_commit)

    assert stopped.status == ReplayStatus.FAILED
    assert "could not be reached" in stopped.error_message and endpoint in stopped.error_message
    assert stopped.results.count() == 0
