"""Real data for forensics tests: scikit-learn's bundled wine data (no download), with one
category derived from it, and a registered wine model for the tests that need the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.predictions.services import predictions_log
from apps.registry.models import ModelVersion
from apps.registry.reference import compute_reference_stats, infer_schema
from apps.registry.services import model_team_assign, model_version_register

# A fixed "now" for the drift tests: a Wednesday morning, UTC.
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def wine_frame(*, with_category: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    data = load_wine(as_frame=True)
    features = data.data.rename(columns=lambda name: name.replace("/", "_"))
    if with_category:
        features["colour_band"] = pd.cut(features["color_intensity"], 3, labels=["pale", "medium", "deep"]).astype(str)
    return features, data.target.map(lambda index: f"class_{index}")


def wine_reference(*, with_category: bool = True) -> tuple[dict, dict, pd.DataFrame]:
    """(schema, reference statistics, frame) as registration would store them."""
    frame, _ = wine_frame(with_category=with_category)
    return infer_schema(frame), compute_reference_stats(frame), frame


def wine_rows(count: int, *, seed: int = 0, with_category: bool = True) -> list[dict]:
    frame, _ = wine_frame(with_category=with_category)
    picked = frame.sample(n=count, random_state=seed)
    return [{k: (float(v) if isinstance(v, (int, float, np.number)) else v) for k, v in row.items()}
            for row in picked.to_dict(orient="records")]


def wine_version(model_name: str = "wine", version: str = "1.0", *, team=None, linear: bool = True) -> ModelVersion:
    features, labels = wine_frame()
    estimator = (make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)) if linear
                 else RandomForestClassifier(n_estimators=30, random_state=0))
    estimator.fit(features, labels)
    artifact = Path(settings.ARTIFACT_ROOT) / f"{model_name}-{version}.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, artifact)
    registered = model_version_register(model_name=model_name, version=version, artifact_uri=str(artifact),
                                        reference=features)
    if team is not None:
        model_team_assign(model=registered.model, team=team)
    return registered


def wine_row(index: int = 0) -> dict[str, float]:
    features, _ = wine_frame()
    return {key: float(value) for key, value in features.iloc[index].items()}


def log_wine(version: ModelVersion, *, count: int, start: datetime, scale: dict[str, float] | None = None,
             seed: int = 0, prefix: str = "p") -> None:
    """Logs `count` predictions of `version`, one a minute from `start`: wine rows drawn with
    1% noise, each feature in `scale` multiplied by its factor (a unit change, a drift)."""
    frame, _ = wine_frame()
    rng = np.random.default_rng(seed)
    sample = frame.sample(n=count, replace=True, random_state=seed).reset_index(drop=True)
    sample = sample * rng.normal(1.0, 0.01, size=sample.shape)
    for name, factor in (scale or {}).items():
        sample[name] = sample[name] * factor
    predictions_log(rows=[{"prediction_id": f"{prefix}-{i}", "model": version.model.name,
                           "model_version": version.version, "features": row, "output": "class_0",
                           "timestamp": (start + timedelta(minutes=i)).isoformat()}
                          for i, row in enumerate(sample.to_dict(orient="records"))])
