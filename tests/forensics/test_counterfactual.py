"""Counterfactual replays through a real registered wine model: every variant of an input in
one batched predict per version, the sha256-checked, cached loading replays use, and honest
errors (a redacted feature, an artifact changed since registration)."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from apps.forensics.counterfactual import Variant, counterfactual_predict, counterfactual_predict_versions
from apps.registry.backends.base import PredictorModel
from apps.registry.backends.cache import loaded_models
from tests.forensics.factories import wine_row, wine_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_model_cache():
    loaded_models.clear()
    yield
    loaded_models.clear()


@pytest.fixture
def predict_calls(monkeypatch):
    """How many frames reached the model, and how many rows each had."""
    sizes: list[int] = []
    original = PredictorModel.predict_rows

    def counting(self, frame):
        sizes.append(len(frame))
        return original(self, frame)

    monkeypatch.setattr(PredictorModel, "predict_rows", counting)
    return sizes


def test_every_variant_runs_in_one_batched_predict_and_a_unit_repair_changes_the_answer(predict_calls):
    version = wine_version()
    base = wine_row(70)  # a class_1 wine
    broken = {**base, "proline": base["proline"] * 1000}
    results = counterfactual_predict(version=version, base=broken, variants=[
        Variant("as logged"),
        Variant("proline divided by 1,000", {"proline": broken["proline"] / 1000}),
        {"alcohol": base["alcohol"]},  # a plain mapping of overrides is a variant too
    ])
    assert predict_calls == [3]
    assert [r.variant.label for r in results] == ["as logged", "proline divided by 1,000", "variant 3"]
    assert results[0].output != "class_1"
    assert results[1].output == "class_1"
    assert results[1].input["proline"] == pytest.approx(base["proline"])
    assert all(r.ok and r.ran for r in results)


def test_a_loaded_model_is_reused_from_the_cache(monkeypatch):
    version = wine_version()
    loads: list[str] = []
    original = joblib.load
    monkeypatch.setattr(joblib, "load", lambda path, *a, **k: loads.append(str(path)) or original(path, *a, **k))
    for _ in range(3):
        counterfactual_predict(version=version, base=wine_row(0), variants=[Variant("as logged")])
    assert len(loads) == 1


def test_one_predict_per_version(predict_calls):
    first = wine_version(version="1.0")
    second = wine_version(version="1.1", linear=False)
    by_version = counterfactual_predict_versions(versions=[first, second], base=wine_row(0),
                                                 variants=[Variant("as logged"), {"proline": 500.0}])
    assert predict_calls == [2, 2]
    assert set(by_version) == {first.pk, second.pk}
    assert all(result.output in {"class_0", "class_1", "class_2"} for results in by_version.values()
               for result in results)


def test_a_variant_needing_a_redacted_feature_is_not_run_and_the_others_are(predict_calls):
    version = wine_version()
    base = {**wine_row(0), "proline": "[redacted]"}
    results = counterfactual_predict(version=version, base=base, variants=[
        Variant("as logged"), Variant("proline filled in", {"proline": 746.0})])
    assert predict_calls == [1]
    assert results[0].error.startswith("Not run: proline is redacted")
    assert results[0].ran and results[1].ok


def test_an_artifact_changed_since_registration_runs_nothing_and_says_why(predict_calls):
    version = wine_version()
    Path(version.artifact_uri).write_bytes(b"not the registered model")
    results = counterfactual_predict(version=version, base=wine_row(0), variants=[Variant("as logged"),
                                                                                 Variant("other", {"alcohol": 13.0})])
    assert predict_calls == []
    assert all(not r.ran and "changed since it was registered" in r.error for r in results)


def test_an_input_the_model_refuses_is_that_variants_error():
    version = wine_version()
    results = counterfactual_predict(version=version, base=wine_row(0), variants=[
        Variant("as logged"), Variant("text for a number", {"alcohol": "strong"})])
    assert results[0].ok
    assert results[1].error and results[1].ran


def test_no_variants_loads_nothing(predict_calls):
    version = wine_version()
    assert counterfactual_predict(version=version, base=wine_row(0), variants=[]) == []
    assert len(loaded_models) == 0
