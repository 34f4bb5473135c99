"""A real, small scikit-learn model registered through the real service, so tests replay
what users replay. Trained on scikit-learn's bundled iris data (no download)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import joblib
import pandas as pd
from django.conf import settings
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.registry.models import ModelVersion
from apps.registry.services import model_team_assign, model_version_register


@cache
def _iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    features = data.data.rename(columns=lambda name: name.replace(" (cm)", "").replace(" ", "_"))
    labels = data.target.map(dict(enumerate(data.target_names)))
    return features, labels


def iris_frame() -> tuple[pd.DataFrame, pd.Series]:
    """Copies, so a test that changes its frame cannot change the next test's."""
    features, labels = _iris()
    return features.copy(), labels.copy()


@cache
def _default_model():
    """The default model, fitted once per test process: hundreds of tests register it, and the
    fit is deterministic. Each artifact is still dumped on its own, so what the pickle records
    (e.g. the scikit-learn version a test pretends to have) is as of that test."""
    features, labels = _iris()
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features, labels)


def train_artifact(path: Path, *, estimator=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if estimator is None:
        joblib.dump(_default_model(), path)
        return path
    features, labels = iris_frame()
    estimator.fit(features, labels)
    joblib.dump(estimator, path)
    return path


def trained_version(model_name: str = "iris", version: str = "1.0", *, with_reference: bool = True,
                    estimator=None, team=None) -> ModelVersion:
    """Registers a version; with `team`, the model belongs to that team."""
    artifact = Path(settings.ARTIFACT_ROOT) / f"{model_name}-{version}.joblib"
    train_artifact(artifact, estimator=estimator)
    features, _ = iris_frame()
    registered = model_version_register(model_name=model_name, version=version, artifact_uri=str(artifact),
                                        reference=features if with_reference else None)
    if team is not None:
        model_team_assign(model=registered.model, team=team)
    return registered


def iris_row(index: int = 0) -> dict[str, float]:
    features, _ = iris_frame()
    return {key: float(value) for key, value in features.iloc[index].items()}


def iris_label(index: int = 0) -> str:
    _, labels = iris_frame()
    return str(labels.iloc[index])
