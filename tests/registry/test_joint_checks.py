"""Findings one column cannot show, planted into real held-out rows of scikit-learn's bundled
datasets (no download): a value taken from another row, two columns swapped, a missing value
filled with the training mean or median, a category that does not go with the rest. Every
planted value is inside its training range. The planted feature must rank first with the new
flag, and a univariate robust z-score (against the median and IQR), computed here, must not
do better: the new checks rank first every case it misses. Clean held-out rows stay quiet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from apps.registry.joint import compute_joint_stats
from apps.registry.reference import compute_reference_stats, infer_schema
from apps.registry.reference_checks import rank_checks

CASES_PER_KIND = 5


def _wine() -> pd.DataFrame:
    data = load_wine(as_frame=True)
    frame = data.data.rename(columns=lambda name: name.replace("/", "_"))
    frame["cultivar"] = data.target.map(lambda index: f"class_{index}")  # a category the features reflect
    return frame


def _breast_cancer() -> pd.DataFrame:
    data = load_breast_cancer(as_frame=True)
    frame = data.data.rename(columns=lambda name: name.replace(" ", "_"))
    frame["diagnosis"] = data.target.map({0: "malignant", 1: "benign"})
    return frame


def _diabetes() -> pd.DataFrame:
    frame = load_diabetes(as_frame=True, scaled=False).data.copy()
    frame["sex"] = frame["sex"].map({1.0: "group_1", 2.0: "group_2"})  # numeric codes as the category they are
    return frame


@dataclass
class Dataset:
    name: str
    schema: dict
    stats: dict
    joint: dict
    reference: pd.DataFrame
    held_out: list[dict]

    def ranked(self, features: dict) -> list[dict]:
        return rank_checks(features=features, schema=self.schema, stats=self.stats, joint=self.joint)

    def in_range(self, feature: str, value: float) -> bool:
        return self.stats[feature]["min"] <= value <= self.stats[feature]["max"]

    def typical(self, feature: str, value: float) -> bool:
        quantiles = self.stats[feature]["quantiles"]
        return quantiles["0.1"] <= value <= quantiles["0.9"]

    def robust_z_first(self, features: dict) -> str:
        """The one-line univariate baseline: the feature farthest from its median, in IQRs."""
        def z(name: str) -> float:
            column = self.reference[name]
            iqr = column.quantile(0.75) - column.quantile(0.25)
            return abs(features[name] - column.median()) / (iqr or 1.0)
        return max((name for name, value in features.items() if not isinstance(value, str)), key=z)


def _dataset(name: str, frame: pd.DataFrame) -> Dataset:
    held = frame.sample(n=40, random_state=7)
    reference = frame.drop(held.index)
    rows = [{key: (value if isinstance(value, str) else float(value)) for key, value in row.items()}
            for row in held.to_dict(orient="records")]
    return Dataset(name=name, schema=infer_schema(reference), stats=compute_reference_stats(reference)["features"],
                   joint=compute_joint_stats(reference), reference=reference, held_out=rows)


@pytest.fixture(scope="module")
def wine() -> Dataset:
    return _dataset("wine", _wine())


@pytest.fixture(scope="module")
def breast_cancer() -> Dataset:
    return _dataset("breast_cancer", _breast_cancer())


@pytest.fixture(scope="module")
def diabetes() -> Dataset:
    return _dataset("diabetes", _diabetes())


@pytest.fixture
def dataset(request) -> Dataset:
    return request.getfixturevalue(request.param)


# The share of planted cases that must rank first (and of those the baseline misses). Every
# case, except on diabetes: its blood values are one sum (total cholesterol = LDL + HDL +
# triglycerides / 5), so a wrong LDL is at times explained as well by a wrong triglyceride
# value, and the tie goes the wrong way (1 case in 10 here).
REQUIRED = {"breast_cancer": 1.0, "diabetes": 0.8, "wine": 1.0}
# A value from another row is a finding only where the others predict the feature well.
WELL_PREDICTED_R2 = 0.8


def _assert_ranked_first_and_beats_baseline(data: Dataset, planted: list[tuple[dict, set[str]]],
                                            first_ok: list[bool]) -> None:
    missed = [index for index, (features, culprits) in enumerate(planted)
              if data.robust_z_first(features) not in culprits]
    assert sum(first_ok) >= REQUIRED[data.name] * len(first_ok), f"ranked first in {sum(first_ok)} of {len(first_ok)}"
    # Every case the univariate baseline misses, the new checks rank first.
    caught = sum(first_ok[index] for index in missed)
    assert caught >= REQUIRED[data.name] * len(missed), [planted[index] for index in missed if not first_ok[index]]


@pytest.mark.parametrize("dataset", ["breast_cancer", "diabetes", "wine"], indirect=True)
def test_a_value_taken_from_another_row_ranks_first_and_names_what_disagrees(dataset):
    """A bad join: the most predictable features each get another held-out row's value, one
    typical on its own (between the training's 10th and 90th percentiles) and as far as such
    a value gets from the row's own."""
    numeric = dataset.joint["numeric"]
    well_predicted = [name for name, entry in numeric.items() if entry["judged"] and entry["r2"] >= WELL_PREDICTED_R2]
    strongest = sorted(well_predicted, key=lambda name: -numeric[name]["r2"])
    planted, first_ok = [], []
    for feature in strongest[:2]:
        for row in dataset.held_out[:CASES_PER_KIND]:
            donor = max((other for other in dataset.held_out if dataset.typical(feature, other[feature])),
                        key=lambda other: abs(other[feature] - row[feature]))
            features = row | {feature: donor[feature]}
            checks = dataset.ranked(features)
            planted.append((features, {feature}))
            first_ok.append(checks[0]["feature"] == feature and "inconsistent_with_others" in checks[0]["flags"])
            if first_ok[-1]:
                assert "does not fit the rest of this input" in checks[0]["message"]
                assert "predict about" in checks[0]["message"]
                assert set(checks[0]["suggestion"]) == {feature}
                # The suggestion is what the others predict: much closer to the row's own value.
                assert abs(checks[0]["suggestion"][feature] - row[feature]) < abs(donor[feature] - row[feature])
    _assert_ranked_first_and_beats_baseline(dataset, planted, first_ok)
    # Typical values on their own: the univariate baseline misses most of them.
    assert sum(dataset.robust_z_first(features) not in culprits for features, culprits in planted) > len(planted) / 2


SWAPS = {"breast_cancer": ("mean_compactness", "radius_error"), "diabetes": ("s1", "s2")}


@pytest.mark.parametrize("dataset", ["breast_cancer", "diabetes"], indirect=True)
def test_swapped_columns_rank_first_and_name_each_other(dataset):
    first, second = SWAPS[dataset.name]
    rows = [row for row in dataset.held_out
            if dataset.in_range(first, row[second]) and dataset.in_range(second, row[first])][:CASES_PER_KIND]
    planted, first_ok = [], []
    for row in rows:
        features = row | {first: row[second], second: row[first]}
        checks = dataset.ranked(features)
        planted.append((features, {first, second}))
        top = {checks[0]["feature"], checks[1]["feature"]}
        first_ok.append(top == {first, second} and checks[0]["flags"] == [f"swapped_with:{checks[1]['feature']}"]
                        and checks[1]["flags"] == [f"swapped_with:{checks[0]['feature']}"])
        if first_ok[-1]:
            assert checks[0]["suggestion"] == {first: row[first], second: row[second]}
            assert "swapped" in checks[0]["message"]
    assert len(rows) == CASES_PER_KIND
    _assert_ranked_first_and_beats_baseline(dataset, planted, first_ok)


@pytest.mark.parametrize("dataset", ["breast_cancer", "diabetes", "wine"], indirect=True)
def test_a_value_filled_with_the_training_mean_or_median_ranks_first(dataset):
    rare = dataset.joint["rare_values"]
    planted, first_ok = [], []
    for row, feature in zip(dataset.held_out, sorted(rare)[:CASES_PER_KIND], strict=False):
        for filled in rare[feature]:
            features = row | {feature: filled["value"]}
            checks = dataset.ranked(features)
            planted.append((features, {feature}))
            first_ok.append(checks[0]["feature"] == feature and "default_filled" in checks[0]["flags"])
            assert f"exactly the training {filled['kind']}" in checks[0]["message"]
    assert len(planted) >= CASES_PER_KIND
    # The mean is typical on its own: a univariate ranking rarely puts it first.
    assert all(first_ok)
    assert all(dataset.robust_z_first(features) not in culprits for features, culprits in planted)


CATEGORIES = {"wine": "cultivar", "breast_cancer": "diagnosis"}


@pytest.mark.parametrize("dataset", ["breast_cancer", "wine"], indirect=True)
def test_a_category_that_does_not_go_with_the_rest_ranks_first(dataset):
    """A wine of one cultivar labelled as another; a tumour's measurements under the other
    diagnosis. Each category is common on its own."""
    feature = CATEGORIES[dataset.name]
    categories = sorted(dataset.reference[feature].unique())
    for row in dataset.held_out[:CASES_PER_KIND]:
        other = categories[(categories.index(row[feature]) + 1) % len(categories)]
        checks = dataset.ranked(row | {feature: other})

        assert checks[0]["feature"] == feature and checks[0]["flags"] == ["unusual_combination"]
        assert "unlikely together with the rest of this input" in checks[0]["message"]
        # The categories are quoted as the feature names are (code type), never as a Python repr.
        message = checks[0]["message"]
        assert f"`{feature}` = `{other}` is unlikely" in message and f"'{other}'" not in message
        assert checks[0]["suggestion"] == {feature: row[feature]}


@pytest.mark.parametrize("dataset", ["breast_cancer", "diabetes", "wine"], indirect=True)
def test_clean_held_out_rows_stay_quiet(dataset):
    alarmed = [[(check["feature"], check["flags"]) for check in dataset.ranked(row) if check["flags"]]
               for row in dataset.held_out]

    assert sum(bool(flags) for flags in alarmed) <= 1, [flags for flags in alarmed if flags]


@pytest.mark.parametrize("dataset", ["diabetes", "wine"], indirect=True)
def test_a_value_barely_outside_the_training_range_is_a_note_and_far_outside_an_alarm(dataset):
    row = dataset.held_out[0]
    # A feature the others barely predict, so that only its range speaks.
    feature = next(name for name, entry in dataset.joint["numeric"].items() if not entry["judged"])
    stats = dataset.stats[feature]
    spread = (stats["quantiles"]["0.75"] - stats["quantiles"]["0.25"]) / 1.349

    barely = {c["feature"]: c for c in dataset.ranked(row | {feature: stats["max"] + 0.2 * spread})}[feature]
    far = dataset.ranked(row | {feature: stats["max"] + 6 * spread})[0]

    assert barely["flags"] == [] and barely["note"] == "slightly_above_max"
    assert "slightly above the training max" in barely["message"] and "not an alarm" in barely["message"]
    assert far["feature"] == feature and "above_max" in far["flags"]


def test_registration_says_which_model_each_feature_gets_and_why(breast_cancer, wine):
    for dataset in (breast_cancer, wine):
        for name, entry in dataset.joint["numeric"].items():
            assert entry["model"] in ("linear", "trees") and entry["why"].startswith(entry["model"]), name
            assert entry["residual_scale"] > 0 and entry["z_threshold"] >= 5
    # Wine's 138 rows are too few to show trees are better; the area of a tumour is a
    # curve in its radius, where trees can be clearly better on held-out rows.
    assert {entry["model"] for entry in wine.joint["numeric"].values()} == {"linear"}
    assert "too few" in wine.joint["numeric"]["alcohol"]["why"]
    assert all("held-out" in entry["why"] for entry in breast_cancer.joint["numeric"].values())


def test_trees_replace_the_linear_model_where_they_are_clearly_better():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=800)
    frame = pd.DataFrame({"x": x, "wave": np.sin(2 * x) + rng.normal(0, 0.05, 800),
                          "line": 2 * x + rng.normal(0, 0.05, 800)})

    joint = compute_joint_stats(frame)

    assert joint["numeric"]["wave"]["model"] == "trees" and "lower" in joint["numeric"]["wave"]["why"]
    assert joint["numeric"]["line"]["model"] == "linear"


def test_a_big_reference_is_sampled():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(6000, 3)), columns=["a", "b", "c"])

    joint = compute_joint_stats(frame, sample_rows=1000)

    assert joint["rows"] == 6000 and joint["fitted_rows"] == 1000


def test_without_joint_statistics_the_univariate_checks_are_unchanged(wine):
    row = wine.held_out[1] | {"flavanoids": wine.joint["rare_values"]["flavanoids"][0]["value"]}

    plain = rank_checks(features=row, schema=wine.schema, stats=wine.stats)

    assert all(not {"default_filled", "inconsistent_with_others"} & set(check["flags"]) for check in plain)
