"""The differential diagnosis on two real bundled datasets (wine, breast cancer), each with a
derived categorical feature: every kind planted with fixed seeds, its top hypothesis asserted,
and clean held-out rows on which no input-defect kind comes first."""

from __future__ import annotations

import numpy as np
import pytest

from apps.diagnosis.kinds import INPUT_DEFECT_KINDS, Kind
from apps.diagnosis.models import DiagnosisStatus
from apps.diagnosis.services import diagnosis_compute, diagnosis_request
from tests.accounts.factories import UserFactory
from tests.diagnosis.factories import file, predict, register

pytestmark = pytest.mark.django_db

DATASETS = ["wine", "cancer"]


@pytest.fixture
def reporter(db):
    return UserFactory()


def diagnosed(report):
    diagnosis_request(report=report, actor=None, on_intake=True)
    diagnosis = diagnosis_compute(report_id=report.pk)
    assert diagnosis.status == DiagnosisStatus.DONE, diagnosis.error_message
    return diagnosis


def top(diagnosis) -> dict:
    assert diagnosis.hypotheses, diagnosis.summary
    return diagnosis.hypotheses[0]


def _label_other_than(dataset, *labels) -> str:
    return next(label for label in sorted(dataset.train_y.unique()) if label not in labels)


@pytest.mark.parametrize("name", DATASETS)
def test_a_unit_change_whose_rescaling_gives_the_expected_answer(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset)
    rows = [dataset.row(i) for i in range(len(dataset.test_x))]
    right = predict(dataset, "1.0", rows)
    broken = [row | {dataset.unit_feature: row[dataset.unit_feature] * 1000} for row in rows]
    wrong = predict(dataset, "1.0", broken)
    # The first held-out row the model gets right, and gets wrong once the unit changes.
    position = next(i for i in range(len(rows)) if right[i] == dataset.test_y[i] and wrong[i] != right[i])
    report = file(version, reporter=reporter, features=broken[position], output=wrong[position],
                  expected=f"{right[position]}, like the lab sheet says")

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.INPUT_UNIT_CHANGE
    assert hypothesis["feature"] == dataset.unit_feature
    assert hypothesis["counterfactual"]["output"] == right[position]
    assert hypothesis["counterfactual"]["matches_expected"] is True
    assert hypothesis["counterfactual"]["input"][dataset.unit_feature] == pytest.approx(
        rows[position][dataset.unit_feature])
    assert "divided by 1,000" in hypothesis["summary"] and "which the reporter expected" in hypothesis["summary"]


@pytest.mark.parametrize("name", DATASETS)
def test_an_unseen_category_a_case_and_whitespace_variant_of_a_seen_one(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset)
    row = dataset.row(3)
    seen = row[dataset.category]
    planted = row | {dataset.category: f" {seen.upper()} "}
    report = file(version, reporter=reporter, features=planted, output=predict(dataset, "1.0", [planted])[0])

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.UNSEEN_CATEGORY
    assert hypothesis["feature"] == dataset.category
    assert hypothesis["counterfactual"]["input"] == {dataset.category: seen}


@pytest.mark.parametrize("name", DATASETS)
def test_a_placeholder_for_a_missing_value(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset)
    planted = dataset.row(5) | {dataset.placeholder_feature: -1.0}
    report = file(version, reporter=reporter, features=planted, output=predict(dataset, "1.0", [planted])[0])

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.MISSING_VALUE
    assert hypothesis["feature"] == dataset.placeholder_feature
    median = version.reference_stats["features"][dataset.placeholder_feature]["quantiles"]["0.5"]
    assert hypothesis["counterfactual"]["input"] == {dataset.placeholder_feature: median}


@pytest.mark.parametrize("name", DATASETS)
def test_swapped_columns(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset)
    first, second = dataset.swap_pair
    row = dataset.row(7)
    planted = row | {first: row[second], second: row[first]}
    report = file(version, reporter=reporter, features=planted, output=predict(dataset, "1.0", [planted])[0])

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.SWAPPED_FEATURES
    assert hypothesis["feature"] in dataset.swap_pair
    assert hypothesis["counterfactual"]["input"] == {first: row[first], second: row[second]}


@pytest.mark.parametrize("name", DATASETS)
def test_an_output_that_came_from_another_registered_version(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset, "1.0")
    register(dataset, "1.1")
    rows = [dataset.row(i) for i in range(len(dataset.test_x))]
    logged, other = predict(dataset, "1.0", rows), predict(dataset, "1.1", rows)
    position = next(i for i in range(len(rows)) if logged[i] != other[i])
    report = file(version, reporter=reporter, features=rows[position], output=other[position])

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.VERSION_MISMATCH
    assert "1.1" in hypothesis["summary"]
    assert any(c["check"] == "replay on version 1.1" and c["supports"] for c in hypothesis["checks"])


@pytest.mark.parametrize("name", DATASETS)
def test_a_model_that_answers_at_random(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset, "random")
    row = dataset.row(2)
    report = file(version, reporter=reporter, features=row, output=str(dataset.train_y.iloc[0]))
    np.random.seed(0)  # DummyClassifier without a seed draws from numpy's global generator

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.NONDETERMINISM
    assert hypothesis["checks"][0]["check"] == "repeated runs" and hypothesis["checks"][0]["supports"] is True


@pytest.mark.parametrize("name", DATASETS)
def test_an_output_no_registered_version_produces(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset, "1.0")
    register(dataset, "1.1")
    rows = [dataset.row(i) for i in range(len(dataset.test_x))]
    first, second = predict(dataset, "1.0", rows), predict(dataset, "1.1", rows)
    position = next(i for i in range(len(rows)) if first[i] == second[i])
    report = file(version, reporter=reporter, features=rows[position],
                  output=_label_other_than(dataset, first[position]))

    diagnosis = diagnosed(report)
    hypothesis = top(diagnosis)

    assert hypothesis["kind"] == Kind.NOT_REPRODUCIBLE
    assert "any of the 2 registered versions" in hypothesis["summary"]
    assert diagnosis.summary.startswith("Most likely the logged output")


def test_not_reproducible_with_a_single_version_says_what_it_could_not_check(trained, reporter):
    dataset = trained["wine"]
    version = register(dataset, "1.0")
    row = dataset.row(0)
    report = file(version, reporter=reporter, features=row,
                  output=_label_other_than(dataset, predict(dataset, "1.0", [row])[0]))

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.NOT_REPRODUCIBLE
    assert hypothesis["confidence"] < 0.8
    assert any(c["check"] == "other versions" and c["ran"] is False for c in hypothesis["checks"])


@pytest.mark.parametrize("name", DATASETS)
def test_a_clean_input_whose_nearest_training_rows_agree(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset)
    rows = [dataset.row(i) for i in range(len(dataset.test_x))]
    outputs = predict(dataset, "1.0", rows)
    # A held-out row the model gets right; the reporter disagrees anyway.
    position = next(i for i in range(len(rows)) if outputs[i] == dataset.test_y[i])
    report = file(version, reporter=reporter, features=rows[position], output=outputs[position],
                  expected=_label_other_than(dataset, outputs[position]))

    hypothesis = top(diagnosed(report))

    assert hypothesis["kind"] == Kind.MODEL_BEHAVIOUR
    assert hypothesis["confidence"] >= 0.6
    neighbours = next(c for c in hypothesis["checks"] if c["check"] == "most similar training rows")
    assert neighbours["supports"] is True


@pytest.mark.parametrize("name", DATASETS)
def test_on_clean_held_out_rows_no_input_defect_comes_first(trained, reporter, name):
    dataset = trained[name]
    version = register(dataset)
    rows = [dataset.row(i) for i in range(20)]
    outputs = predict(dataset, "1.0", rows)
    firsts = []
    for row, output in zip(rows, outputs, strict=True):
        diagnosis = diagnosed(file(version, reporter=reporter, features=row, output=output))
        firsts.append(diagnosis.hypotheses[0]["kind"] if diagnosis.hypotheses else None)
    assert not INPUT_DEFECT_KINDS & set(firsts), firsts


def test_a_unit_change_that_starts_after_a_registration_and_drifts_is_a_change_point_and_drift(trained, reporter,
                                                                                               run_on_commit):
    from datetime import timedelta

    from django.utils import timezone

    from apps.forensics.services import drift_report_request
    from apps.predictions.services import predictions_log
    from apps.registry.models import ModelVersion

    dataset = trained["wine"]
    version = register(dataset, "1.0")
    now = timezone.now()
    ModelVersion.objects.filter(pk=version.pk).update(created_at=now - timedelta(days=3))
    later = register(dataset, "1.1")
    ModelVersion.objects.filter(pk=later.pk).update(created_at=now - timedelta(hours=32))
    # 1.0 logs one input every 15 minutes for 60 hours; for the last 30, proline arrives in µg/L.
    start = now - timedelta(hours=60)
    rows = [dataset.row(i % len(dataset.test_x)) for i in range(240)]
    logged = [{"prediction_id": f"p{i}", "model": version.model.name, "model_version": "1.0",
               "features": row | ({"proline": row["proline"] * 1000} if i >= 120 else {}), "output": "class_0",
               "timestamp": (start + timedelta(minutes=15 * i)).isoformat()} for i, row in enumerate(rows)]
    predictions_log(rows=logged)
    with run_on_commit():
        drift_report_request(model_version=version, actor=None, start=now - timedelta(hours=30), end=now)
    report = file(version, reporter=reporter, features=logged[-1]["features"], output="class_0")

    kinds = {h["kind"]: h for h in diagnosed(report).hypotheses}

    assert kinds[Kind.CHANGE_POINT]["feature"] == "proline"
    assert "shortly after version 1.1 was registered" in kinds[Kind.CHANGE_POINT]["summary"]
    assert kinds[Kind.DRIFT]["feature"] == "proline"
    # Both are the unit change seen in the log: they support it rather than outrank it.
    unit = diagnosed(report).hypotheses[0]
    assert unit["kind"] == Kind.INPUT_UNIT_CHANGE
    assert {"drift report", "near a registration"} <= {c["check"] for c in unit["checks"]}
