"""Real data for diagnosis tests: two of scikit-learn's bundled datasets (no download), each
with one categorical feature derived from a numeric one, trained once per test module as two
versions that disagree on some inputs (a linear model, and a one-split tree), plus a model
that answers at random. Registering them is per test (the database is)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from apps.registry.models import ModelVersion
from apps.registry.services import model_team_assign, model_version_register
from apps.reports.services import report_create


@dataclass
class Dataset:
    """A dataset split for training and held-out reports, with its trained artifacts."""

    name: str
    train_x: pd.DataFrame
    train_y: pd.Series
    test_x: pd.DataFrame
    test_y: pd.Series
    category: str
    artifacts: dict[str, Path] = field(default_factory=dict)
    # For planting: a feature whose unit changes, and two features with disjoint ranges.
    unit_feature: str = ""
    swap_pair: tuple[str, str] = ("", "")
    placeholder_feature: str = ""

    def row(self, position: int) -> dict:
        return plain(self.test_x.iloc[position].to_dict())


def plain(row: dict) -> dict:
    return {k: (float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else v)
            for k, v in row.items()}


def _wine() -> tuple[pd.DataFrame, pd.Series]:
    data = load_wine(as_frame=True)
    frame = data.data.rename(columns=lambda name: name.replace("/", "_"))
    frame["colour_band"] = pd.cut(frame["color_intensity"], 3, labels=["pale", "medium", "deep"]).astype(str)
    return frame, data.target.map(lambda index: f"class_{index}")


def _cancer() -> tuple[pd.DataFrame, pd.Series]:
    data = load_breast_cancer(as_frame=True)
    frame = data.data[["mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
                       "mean concavity", "worst radius", "worst texture", "worst concave points"]].copy()
    frame["size_band"] = pd.qcut(frame["mean area"], 3, labels=["small", "medium", "large"]).astype(str)
    return frame, data.target.map(lambda index: str(data.target_names[index]))


def _pipeline(estimator, frame: pd.DataFrame, category: str):
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    encode = ColumnTransformer([
        ("numbers", numeric, [name for name in frame.columns if name != category]),
        ("categories", OneHotEncoder(handle_unknown="ignore"), [category]),
    ])
    return make_pipeline(encode, estimator)


def train(name: str, directory: Path) -> Dataset:
    frame, labels = _wine() if name == "wine" else _cancer()
    train_x, test_x, train_y, test_y = train_test_split(frame, labels, test_size=0.25, random_state=0,
                                                        stratify=labels)
    dataset = Dataset(name, train_x, train_y, test_x.reset_index(drop=True), test_y.reset_index(drop=True),
                      category="colour_band" if name == "wine" else "size_band")
    if name == "wine":
        dataset.unit_feature, dataset.swap_pair, dataset.placeholder_feature = "proline", ("magnesium", "proline"), \
            "magnesium"
    else:
        dataset.unit_feature, dataset.swap_pair, dataset.placeholder_feature = "mean area", \
            ("mean perimeter", "mean area"), "mean radius"
    models = {
        "1.0": _pipeline(LogisticRegression(max_iter=3000), frame, dataset.category),
        "1.1": _pipeline(DecisionTreeClassifier(max_depth=1, random_state=0), frame, dataset.category),
        # Answers at random: no seed, so every call draws anew.
        "random": _pipeline(DummyClassifier(strategy="stratified"), frame, dataset.category),
    }
    for version, estimator in models.items():
        estimator.fit(train_x, train_y)
        path = directory / f"{name}-{version}.joblib"
        joblib.dump(estimator, path)
        dataset.artifacts[version] = path
    return dataset


def register(dataset: Dataset, version: str = "1.0", *, team=None, model_name: str | None = None) -> ModelVersion:
    """Registers a trained artifact (a copy under this test's artifact root)."""
    target = Path(settings.ARTIFACT_ROOT) / dataset.artifacts[version].name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(dataset.artifacts[version], target)
    registered = model_version_register(model_name=model_name or dataset.name, version=version,
                                        artifact_uri=str(target), reference=dataset.train_x)
    if team is not None:
        model_team_assign(model=registered.model, team=team)
    return registered


def predict(dataset: Dataset, version: str, rows: list[dict]) -> list:
    estimator = joblib.load(dataset.artifacts[version])
    return [item.item() if hasattr(item, "item") else item for item in estimator.predict(pd.DataFrame(rows))]


def file(version: ModelVersion, *, reporter, features: dict, output, expected: str = "", title: str = "Odd"):
    return report_create(reporter=reporter, model_name=version.model.name, model_version=version.version,
                         features=features, output=output, title=title, expected=expected,
                         allow_schema_mismatch=True)
