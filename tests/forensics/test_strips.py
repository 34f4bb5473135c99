"""Range strips: where a value sits on its training range, as positions the page draws."""

from __future__ import annotations

from apps.forensics.strips import input_rows, strip_for

REF = {"min": 0.0, "max": 100.0, "median": 40.0,
       "quantiles": {"0.01": 1.0, "0.25": 20.0, "0.5": 40.0, "0.75": 60.0, "0.99": 99.0}}


def test_a_value_inside_the_range_is_drawn_in_place_with_the_band_and_median():
    strip = strip_for(40.0, REF)
    assert strip.beyond == "" and strip.median_at == strip.value_at
    assert strip.range_left < strip.band_left < strip.middle_left < strip.value_at
    assert strip.middle_left + strip.middle_width < strip.band_left + strip.band_width


def test_a_value_far_outside_is_pinned_to_the_edge_so_the_range_stays_readable():
    above, below = strip_for(100_000.0, REF), strip_for(-5_000.0, REF)
    assert (above.beyond, above.value_at) == ("above", 100.0)
    assert (below.beyond, below.value_at) == ("below", 0.0)
    assert above.range_width > 70  # the training range still fills most of the strip


def test_a_value_just_outside_widens_the_scale_instead():
    strip = strip_for(120.0, REF)
    assert strip.beyond == "" and strip.value_at == 100.0 and strip.range_left + strip.range_width < 90


def test_categories_and_missing_values_have_no_strip():
    assert strip_for("red", REF) is None and strip_for(None, REF) is None
    assert strip_for(5.0, {"top": "red"}) is None


def test_rows_take_min_max_and_median_from_the_check_and_quantiles_from_the_reference():
    checks = [{"feature": "x", "value": 2.1799999999999997, "flags": [], "percentile": 0.5,
               "reference": {"min": 0.0, "max": 100.0, "median": 40.0}}]
    [row] = input_rows(checks=checks, reference={"features": {"x": {"quantiles": REF["quantiles"]}}})
    assert (row.value_text, row.median_text, row.range_text, row.percentile_text) == \
        ("2.18", "40", "0 – 100", "bottom 0.5 %")
    assert row.strip.band_left is not None and not row.suspicious
    assert row.description == "x = 2.18, in the bottom 0.5 % of training; training range 0 – 100, median 40"
