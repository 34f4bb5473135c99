"""What makes a report's input odd, as the onset and the post-mortem's impact count both read it
from the input checks (one function, apps/forensics/onset.py::odd_value_of)."""

from __future__ import annotations

import pytest

from apps.forensics.onset import OddValue, odd_value_of


def _check(feature, value, *flags, low=1.0, high=10.0):
    return {"feature": feature, "value": value, "flags": list(flags), "reference": {"min": low, "max": high}}


@pytest.mark.parametrize(("checks", "odd"), [
    ([_check("proline", 1680000.0, "above_max")], OddValue("above", "proline", 10.0)),
    ([_check("proline", 0.001, "below_min")], OddValue("below", "proline", 1.0)),
    # A unit change that lands above the training range is above it, flagged or not.
    ([_check("duration_s", 4500.0, "scale_shift")], OddValue("above", "duration_s", 10.0)),
    ([_check("country", None, "missing")], OddValue("missing", "country", None)),
    ([_check("country", "XX", "unseen_category")], OddValue("equals", "country", "XX")),
    # The most suspicious feature that is odd in one of these ways wins; plain notes do not count.
    ([_check("alcohol", 5.0, "note"), _check("hue", 0.0, "below_min")], OddValue("below", "hue", 1.0)),
    ([_check("alcohol", 5.0)], None),
    ([], None),
])
def test_the_odd_value_of_a_reports_checks(checks, odd):
    assert odd_value_of(checks) == odd


def test_only_the_five_most_suspicious_features_are_looked_at():
    checks = [_check(f"f{i}", 5.0) for i in range(5)] + [_check("late", 99.0, "above_max")]

    assert odd_value_of(checks) is None
