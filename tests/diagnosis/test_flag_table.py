"""The table from input-check flags to hypothesis kinds, pinned with check entries built by
hand — including issue 20's joint flags, whose `suggestion` becomes the counterfactual input."""

from __future__ import annotations

from apps.diagnosis.engine.repairs import candidates_from_checks, nearest_category
from apps.diagnosis.kinds import Kind
from tests.forensics.factories import wine_reference

SCHEMA, STATS, _ = wine_reference()
FEATURES = STATS["features"]


def entry(feature: str, value, *flags: str, score: float = 0.6, **extra) -> dict:
    return {"feature": feature, "value": value, "flags": list(flags), "score": score, "message": "…", **extra}


def one(*checks: dict, features: dict | None = None):
    found = candidates_from_checks(checks=list(checks), features=features or {}, stats=FEATURES, schema=SCHEMA)
    assert len(found) == 1, found
    return found[0]


def test_swapped_with_a_feature_feeds_swapped_features_with_the_suggestion_as_the_repair():
    candidate = one(entry("mean_radius", 25.0, "swapped_with:worst_radius",
                          suggestion={"mean_radius": 14.1, "worst_radius": 25.0}))
    assert candidate.kind == Kind.SWAPPED_FEATURES
    assert candidate.other_feature == "worst_radius"
    assert candidate.overrides == {"mean_radius": 14.1, "worst_radius": 25.0}


def test_a_swapped_pair_is_one_hypothesis_even_when_both_checks_say_it():
    candidate = one(entry("magnesium", 746.0, "above_max", "swapped", swapped_with="proline"),
                    entry("proline", 101.0, "below_min", "swapped", swapped_with="magnesium"),
                    features={"magnesium": 746.0, "proline": 101.0})
    assert candidate.overrides == {"magnesium": 101.0, "proline": 746.0}


def test_default_filled_feeds_missing_value_and_its_suggestion_is_the_repair():
    candidate = one(entry("alcohol", 13.0, "default_filled", suggestion={"alcohol": 12.37}))
    assert (candidate.kind, candidate.overrides) == (Kind.MISSING_VALUE, {"alcohol": 12.37})


def test_default_filled_without_a_suggestion_repairs_nothing_rather_than_guess_the_median_again():
    candidate = one(entry("alcohol", 13.0, "default_filled"))
    assert candidate.kind == Kind.MISSING_VALUE
    # The value *is* the median already: filling the median in would test nothing.
    assert candidate.overrides == {}


def test_inconsistent_with_others_is_a_value_from_another_row():
    candidate = one(entry("hue", 0.6, "inconsistent_with_others", suggestion={"hue": 1.04}))
    assert (candidate.kind, candidate.overrides) == (Kind.VALUE_FROM_ANOTHER_ROW, {"hue": 1.04})


def test_unusual_combination_keeps_its_kind_and_suggestion():
    candidate = one(entry("colour_band", "deep", "unusual_combination", suggestion={"colour_band": "pale"}))
    assert (candidate.kind, candidate.overrides) == (Kind.UNUSUAL_COMBINATION, {"colour_band": "pale"})


def test_a_joint_flag_without_a_suggestion_is_still_a_hypothesis_without_a_counterfactual():
    candidate = one(entry("hue", 0.6, "inconsistent_with_others"))
    assert candidate.kind == Kind.VALUE_FROM_ANOTHER_ROW and candidate.overrides == {}


def test_univariate_flags_map_to_their_kinds_with_the_repairs_they_imply():
    unit = one(entry("proline", 746000.0, "above_max", "scale_shift"))
    assert unit.kind == Kind.INPUT_UNIT_CHANGE and unit.overrides == {"proline": 746.0}
    placeholder = one(entry("magnesium", -1.0, "below_min", "default_value"))
    assert placeholder.kind == Kind.MISSING_VALUE
    assert placeholder.overrides == {"magnesium": FEATURES["magnesium"]["quantiles"]["0.5"]}
    unseen = one(entry("colour_band", "Deep ", "unseen_category"))
    assert unseen.kind == Kind.UNSEEN_CATEGORY and unseen.overrides == {"colour_band": "deep"}
    far = one(entry("hue", 9.0, "above_max"))
    assert far.kind == Kind.OUT_OF_RANGE and far.overrides == {"hue": FEATURES["hue"]["max"]}
    assert far.distance > 10


def test_unknown_and_quiet_flags_suggest_nothing():
    assert candidates_from_checks(checks=[entry("hue", 1.0, "redacted"), entry("alcohol", 13.0)],
                                  features={}, stats=FEATURES, schema=SCHEMA) == []


def test_the_nearest_seen_category():
    assert nearest_category("  DEEP", ["pale", "medium", "deep"]) == "deep"
    assert nearest_category("medum", ["pale", "medium", "deep"]) == "medium"
    assert nearest_category("ultraviolet", ["pale", "medium", "deep"]) is None
