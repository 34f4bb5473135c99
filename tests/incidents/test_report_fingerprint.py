"""The fingerprint recipe on its own: pure functions, no database."""

from __future__ import annotations

import pytest

from apps.incidents.report_fingerprint import fingerprint, input_pattern, numeric_bucket, output_class, surface_of


@pytest.mark.parametrize("output, expected", [
    ("class_1", "class_1"),
    ("Class_1", "Class_1"),  # strings are classes as they are
    (True, "true"),
    (2, "2"),  # an integer is a class index
    (0.93, "[0.9, 1]"),
    (0.91, "[0.9, 1]"),
    (0.15, "[0.1, 0.2)"),
    (1234.5, "[1e3, 1e4)"),
    (-20.0, "(-1e2, -1e1]"),
    ({"label": "fraud", "score": 0.97}, "fraud"),
    ({"score": 0.97, "rank": 3}, "object rank,score"),
    ([0.1, 0.7, 0.2], "argmax 1"),
    (["bag-123", "shoe-9"], "bag-123"),  # a ranking: its top item
    ([], "empty list"),
    (None, "none"),
])
def test_output_classes(output, expected):
    assert output_class(output) == expected


def test_scores_fall_into_tenths_and_large_numbers_into_decades():
    assert numeric_bucket(0.0) == numeric_bucket(0.05) == "[0, 0.1)"
    assert numeric_bucket(0.3) == "[0.3, 0.4)"  # no floating-point slip into the bucket below
    assert numeric_bucket(-0.42) == "[-0.5, -0.4)"
    assert numeric_bucket(120.0) == numeric_bucket(480.0) != numeric_bucket(12_000.0)


def test_the_surface_comes_from_the_first_context_that_names_one():
    assert surface_of({"surface": " Cellar-Page "}) == "cellar-page"
    assert surface_of({}, {"surface": "shop"}) == "shop"
    assert surface_of(None, {"request_id": "r-1"}) == ""


def test_the_input_pattern_is_the_most_suspicious_flagged_feature_and_its_most_telling_flag():
    checks = [
        {"feature": "proline", "flags": ["above_max", "scale_shift"], "score": 1.4},
        {"feature": "alcohol", "flags": ["unseen_category"], "score": 0.7},
    ]
    assert input_pattern(checks) == "proline:scale_shift"
    assert input_pattern([{"feature": "hue", "flags": [], "score": 0.2}, checks[1]]) == "alcohol:unseen_category"
    assert input_pattern([{"feature": "hue", "flags": [], "score": 0.2}]) == ""


def test_the_same_problem_gets_the_same_key_and_a_readable_label():
    unit_change = [{"feature": "proline", "flags": ["above_max", "scale_shift"]}]
    one = fingerprint(model_name="wine", output="class_1", contexts=[{"surface": "cellar-page"}], checks=unit_change)
    two = fingerprint(model_name="wine", output="class_1", contexts=[{"surface": "Cellar-page"}], checks=unit_change)

    assert one.key == two.key and len(one.key) == 64
    assert one.label == "wine · output class_1 · on cellar-page · input proline:scale_shift"
    assert fingerprint(model_name="wine", output="class_1").label == "wine · output class_1 · no suspicious input"
    for different in (
        fingerprint(model_name="wine", output="class_2", contexts=[{"surface": "cellar-page"}], checks=unit_change),
        fingerprint(model_name="wine", output="class_1", contexts=[{"surface": "search"}], checks=unit_change),
        fingerprint(model_name="wine", output="class_1", contexts=[{"surface": "cellar-page"}]),
        fingerprint(model_name="beer", output="class_1", contexts=[{"surface": "cellar-page"}], checks=unit_change),
    ):
        assert different.key != one.key
