"""Per-report checks: each kind of defect is planted into real wine inputs (fixed seeds) and
the planted feature must come first, with a sentence saying what is odd."""

from __future__ import annotations

import math

import pytest

from apps.registry.reference_checks import percentile, rank_checks
from tests.forensics.factories import wine_reference, wine_rows

SCHEMA, STATS, _ = wine_reference()
STATS_FEATURES = STATS["features"]
ROWS = wine_rows(5, seed=42)


def ranked(features: dict) -> list[dict]:
    return rank_checks(features=features, schema=SCHEMA, stats=STATS_FEATURES)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"proline={row['proline']:g}")
def test_unit_change_ranks_first_and_says_another_unit(row):
    checks = ranked(row | {"proline": row["proline"] * 1000})

    assert checks[0]["feature"] == "proline"
    assert {"above_max", "scale_shift"} <= set(checks[0]["flags"])
    assert "divided by 1,000" in checks[0]["message"] and "another unit" in checks[0]["message"]
    assert checks[0]["rank"] == 1 and checks[0]["percentile"] == 100.0


@pytest.mark.parametrize("row", ROWS)
def test_unseen_category_ranks_first(row):
    checks = ranked(row | {"colour_band": "purple"})

    assert checks[0]["feature"] == "colour_band"
    assert checks[0]["flags"] == ["unseen_category"]
    assert "`colour_band` = `purple` never occurred in training" in checks[0]["message"]
    assert "'" not in checks[0]["message"]


@pytest.mark.parametrize("row", ROWS)
def test_missing_value_filled_with_a_default_ranks_first(row):
    checks = ranked(row | {"magnesium": 0})

    assert checks[0]["feature"] == "magnesium"
    assert {"below_min", "default_value"} <= set(checks[0]["flags"])
    assert "default" in checks[0]["message"]


@pytest.mark.parametrize("row", ROWS)
def test_missing_value_ranks_first(row):
    checks = ranked(row | {"hue": None})

    assert checks[0]["feature"] == "hue" and checks[0]["flags"] == ["missing"]
    assert "never missing in training" in checks[0]["message"]


@pytest.mark.parametrize("row", ROWS)
def test_swapped_columns_rank_first_and_name_each_other(row):
    checks = ranked(row | {"alcohol": row["magnesium"], "magnesium": row["alcohol"]})

    assert {checks[0]["feature"], checks[1]["feature"]} == {"alcohol", "magnesium"}
    assert checks[0]["swapped_with"] == checks[1]["feature"]
    assert "swapped" in checks[0]["flags"] and "swapped" in checks[0]["message"]


@pytest.mark.parametrize("row", ROWS)
def test_out_of_range_ranks_first(row):
    high = STATS_FEATURES["hue"]["max"]
    checks = ranked(row | {"hue": high * 1.8})

    assert checks[0]["feature"] == "hue" and "above_max" in checks[0]["flags"]
    assert "outside the training range" in checks[0]["message"]


def test_a_typical_input_flags_nothing():
    checks = ranked(ROWS[0])

    assert all(not check["flags"] for check in checks)
    assert [check["rank"] for check in checks] == list(range(1, len(checks) + 1))


@pytest.mark.parametrize(("value", "flag"), [(math.inf, "non_finite"), (math.nan, "non_finite"),
                                             ("wide", "type_mismatch"), (True, "type_mismatch")])
def test_bad_values_get_a_message_not_a_crash(value, flag):
    checks = ranked(ROWS[0] | {"alcohol": value})

    assert checks[0]["feature"] == "alcohol" and checks[0]["flags"] == [flag] and checks[0]["message"]


def test_unknown_feature_constant_and_all_null_columns():
    stats = {"constant": {"type": "number", "min": 3.0, "max": 3.0, "null_rate": 0.0,
                          "quantiles": {"0": 3.0, "0.5": 3.0, "1": 3.0}},
             "empty": {"type": "number", "null_rate": 1.0, "count": 0}}
    schema = {"features": [{"name": "constant", "type": "number"}, {"name": "empty", "type": "number"}]}

    typical = {c["feature"]: c for c in rank_checks(features={"constant": 3.0, "empty": 1.0}, schema=schema,
                                                    stats=stats)}
    odd = rank_checks(features={"constant": 4.0, "empty": 1.0, "extra": 1}, schema=schema, stats=stats)

    assert typical["constant"]["flags"] == [] and typical["constant"]["percentile"] == 50.0
    assert "always missing in training" in typical["empty"]["message"]
    by_name = {c["feature"]: c for c in odd}
    assert {c["feature"] for c in odd[:2]} == {"extra", "constant"}
    assert by_name["extra"]["flags"] == ["unknown_feature"] and "above_max" in by_name["constant"]["flags"]


def test_no_reference_gives_no_checks():
    assert rank_checks(features={"a": 1}, schema={}, stats={}) == []


def test_percentile_interpolates_between_stored_quantiles():
    quantiles = {"0": 0.0, "0.5": 10.0, "1": 20.0}

    assert percentile(5.0, quantiles) == 25.0
    assert percentile(10.0, quantiles) == 50.0
    assert percentile(-1.0, quantiles) == 0.0 and percentile(21.0, quantiles) == 100.0
