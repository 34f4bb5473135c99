"""The three backends behind one interface, and the per-worker model cache."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.registry.backends import backend_for
from apps.registry.backends.base import ArtifactError, PredictorModel
from apps.registry.backends.cache import ModelCache
from apps.registry.services import model_version_register
from apps.replays.models import ReplayStatus
from apps.replays.services import replay_start
from tests.registry.factories import iris_frame, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def _replay(user, version, reports, run_on_commit):
    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=reports)
    replay.refresh_from_db()
    return replay


# --- MLflow (optional extra) ---------------------------------------------------------------

def _mlflow_or_skip():
    try:
        import mlflow  # noqa: F401
    except ImportError:
        pytest.skip("mlflow is not installed: the mlflow backend is an optional extra "
                    "(pip install -r requirements-mlflow.txt; scripts/run-tests installs it for the PostgreSQL run)")
    import mlflow

    return mlflow


@pytest.fixture
def mlflow_registry(tmp_path, monkeypatch):
    mlflow = _mlflow_or_skip()
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    yield mlflow
    mlflow.set_tracking_uri("")


def _register_mlflow_model(mlflow, name: str = "iris-mlflow") -> str:
    import mlflow.sklearn
    from mlflow.models import infer_signature

    features, labels = iris_frame()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features, labels)
    with mlflow.start_run():
        mlflow.sklearn.log_model(model, name="model", signature=infer_signature(features, model.predict(features)),
                                 registered_model_name=name, serialization_format="pickle",
                                 pip_requirements=["scikit-learn"])
    return f"models:/{name}/1"


def test_an_mlflow_registry_model_is_replayed_through_pyfunc(user, mlflow_registry, run_on_commit):
    uri = _register_mlflow_model(mlflow_registry)
    version = model_version_register(model_name="iris-mlflow", version="1", artifact_uri=uri, backend="mlflow",
                                     reference=iris_frame()[0])
    assert len(version.sha256) == 64 and version.library_versions["mlflow"]
    good = [file_report(reporter=user, version=version, index=i) for i in (0, 60, 120)]
    bad = file_report(reporter=user, version=version,
                      features={"sepal_length": "long", "sepal_width": 1.0, "petal_length": 1.0, "petal_width": 1.0},
                      allow_schema_mismatch=True)

    replay = _replay(user, version, [*good, bad], run_on_commit)

    assert replay.status == ReplayStatus.SUCCEEDED, replay.error_message
    assert (replay.matched, replay.errors) == (3, 1)
    # MLflow's schema enforcement refused the row; the others were predicted.
    assert "MlflowException" in replay.results.get(report=bad).error


def test_an_mlflow_model_that_cannot_be_fetched_fails_the_run(user, mlflow_registry):
    with pytest.raises(ArtifactError, match="MLflow could not fetch"):
        model_version_register(model_name="ghost", version="1", artifact_uri="models:/ghost/1", backend="mlflow")


def test_without_the_extra_the_mlflow_backend_says_how_to_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mlflow(name, *args, **kwargs):
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError("No module named 'mlflow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    with pytest.raises(ArtifactError, match="requirements-mlflow.txt"):
        backend_for("mlflow").describe("models:/iris/1")


# --- The model cache ---------------------------------------------------------------------

def test_the_model_cache_is_bounded_by_count_and_by_memory(settings):
    settings.MODEL_CACHE_MAX_ENTRIES, settings.MODEL_CACHE_MAX_BYTES = 2, 1000
    cache = ModelCache()

    def model(size):
        return PredictorModel(feature_names=[], size_bytes=size)

    cache.put(("a",), model(100))
    cache.put(("b",), model(100))
    cache.get(("a",))  # a is now the most recently used
    cache.put(("c",), model(100))
    assert cache.get(("b",)) is None and cache.get(("a",)) and cache.get(("c",))

    cache.put(("big",), model(950))  # evicts until it fits
    assert len(cache) == 1 and cache.get(("big",))
    cache.put(("huge",), model(5000))  # larger than the bound: used once, not kept
    assert cache.get(("huge",)) is None


def test_a_cached_sklearn_model_is_verified_again_when_its_file_changes(user):
    version = trained_version()
    backend = backend_for("sklearn")
    arguments = {"version_id": version.pk, "artifact_uri": version.artifact_uri, "sha256": version.sha256,
                 "feature_names": version.feature_names}
    assert backend.load(**arguments) is backend.load(**arguments)  # the second load is the cached one
    with open(version.artifact_uri, "ab") as handle:
        handle.write(b"!")
    with pytest.raises(ArtifactError, match="changed since it was registered"):
        backend.load(**arguments)
