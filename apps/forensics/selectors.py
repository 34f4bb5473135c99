"""Each feature of a report against the version's stored reference statistics, ranked so the
most suspicious feature comes first. Works from the stored statistics only: never rescans
the reference sample."""

from __future__ import annotations

import math
from typing import Any

from apps.registry.models import ModelVersion

# Unit changes people actually make: ×10ⁿ (s→ms, m→mm, €→cents) and ×60 / ×3600 (min, h → s).
_SCALE_FACTORS = [(10.0**k, f"{10**k:,}×") for k in range(1, 7)] + [(60.0, "60×"), (3600.0, "3,600×")]
_SCALE_TOLERANCE = 0.35


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _percentile(value: float, quantiles: dict[str, float | None]) -> float | None:
    points = sorted((float(q), v) for q, v in quantiles.items() if v is not None)
    if not points:
        return None
    if value <= points[0][1]:
        return 0.0
    if value >= points[-1][1]:
        return 100.0
    for (q_low, v_low), (q_high, v_high) in zip(points, points[1:], strict=False):
        if v_low <= value <= v_high:
            fraction = 0.5 if v_high == v_low else (value - v_low) / (v_high - v_low)
            return round(100 * (q_low + fraction * (q_high - q_low)), 1)
    return None


def _scale_shift(value: float, ref: dict[str, Any]) -> tuple[float, str, float] | None:
    """If dividing (or multiplying) the value by a usual unit factor lands it among typical
    training values, the unit probably changed. Returns (factor, label, rescaled value)."""
    quantiles = ref.get("quantiles") or {}
    low, high, median = quantiles.get("0.01"), quantiles.get("0.99"), quantiles.get("0.5")
    if low is None or high is None or not median or value == 0:
        return None
    best = None
    for factor, label in _SCALE_FACTORS:
        for rescaled, name in ((value / factor, f"divided by {label[:-1]}"),
                               (value * factor, f"multiplied by {label[:-1]}")):
            if low <= rescaled <= high:
                closeness = abs(math.log10(abs(rescaled) / abs(median))) if rescaled and median else math.inf
                if best is None or closeness < best[0]:
                    best = (closeness, factor, name, rescaled)
    return None if best is None else best[1:]


def _fmt(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _numeric_check(name: str, value: float, ref: dict[str, Any]) -> dict[str, Any]:
    flags: list[str] = []
    score = 0.0
    reasons: list[str] = []
    percentile = _percentile(value, ref.get("quantiles", {}))
    low, high, median = ref.get("min"), ref.get("max"), (ref.get("quantiles") or {}).get("0.5")
    if percentile is not None:
        score += abs(percentile - 50) / 50 * 0.3
    if low is not None and high is not None:
        span = max(high - low, abs(high) * 1e-9, 1e-12)
        if value < low or value > high:
            flags.append("below_min" if value < low else "above_max")
            distance = (low - value) if value < low else (value - high)
            score += 0.5 + min(0.4, math.log10(1 + distance / span) * 0.2)
            reasons.append(f"`{name}` = {_fmt(value)} is outside the training range [{_fmt(low)}, {_fmt(high)}]")
            shift = _scale_shift(value, ref)
            if shift is not None:
                flags.append("scale_shift")
                score += 0.3
                factor, label, rescaled = shift
                ratio = value / median if median else factor
                reasons[-1] = (
                    f"`{name}` = {_fmt(value)} is {abs(ratio):,.0f}× the training median ({_fmt(median)}) and "
                    f"outside the training range; {label} it would be {_fmt(rescaled)}, "
                    "a typical value — was it logged in another unit (e.g. milliseconds instead of seconds)?"
                )
    if not reasons and percentile is not None and (percentile <= 1 or percentile >= 99):
        reasons.append(f"`{name}` = {_fmt(value)} is at the {percentile:g}th percentile of training")
    return {"flags": flags, "score": score, "percentile": percentile, "reasons": reasons}


def _check_feature(name: str, value: Any, declared: dict | None, ref: dict | None) -> dict[str, Any]:
    check: dict[str, Any] = {"feature": name, "value": value, "flags": [], "score": 0.0, "reference": {}}
    if declared is None and ref is None:
        check.update(flags=["unknown_feature"], score=0.6,
                     message=f"`{name}` is not a feature of this model version.")
        return check
    ref = ref or {}
    check["reference"] = {k: ref[k] for k in ("min", "max", "mean", "null_rate") if k in ref}
    if "quantiles" in ref:
        check["reference"]["median"] = ref["quantiles"].get("0.5")
    expected_type = (declared or {}).get("type") or ref.get("type")
    if value is None:
        expected_nulls = ref.get("null_rate", 0.0)
        check.update(flags=["missing"], score=0.7 if expected_nulls == 0 else 0.2,
                     message=f"`{name}` is missing" + (" but was never missing in training." if expected_nulls == 0
                                                      else f" ({expected_nulls:.0%} missing in training)."))
        return check
    if expected_type in ("number", "integer"):
        if not _is_number(value):
            check.update(flags=["type_mismatch"], score=0.8,
                         message=f"`{name}` should be a number but is {value!r:.40}.")
            return check
        if not ref.get("quantiles"):
            check["message"] = f"No training statistics for `{name}`."
            return check
        numeric = _numeric_check(name, float(value), ref)
        check.update(flags=numeric["flags"], score=round(numeric["score"], 3), percentile=numeric["percentile"])
        if numeric["reasons"]:
            check["message"] = numeric["reasons"][0] + ("" if numeric["reasons"][0].endswith("?") else ".")
        return check
    categories = ref.get("categories") or {c: None for c in (declared or {}).get("categories", [])}
    if categories and str(value) not in categories:
        check.update(flags=["unseen_category"], score=0.7,
                     message=f"`{name}` = {value!r:.40} never occurred in training.")
    elif categories and categories.get(str(value)) is not None:
        check["reference"]["frequency"] = categories[str(value)]
    return check


def input_checks(*, model_version: ModelVersion, features: dict[str, Any]) -> list[dict[str, Any]]:
    stats = (model_version.reference_stats or {}).get("features", {})
    declared = {f["name"]: f for f in (model_version.feature_schema or {}).get("features", [])}
    if not stats and not declared:
        return []
    names = list(declared) + [name for name in features if name not in declared]
    checks = [_check_feature(name, features.get(name), declared.get(name), stats.get(name)) for name in names]
    checks.sort(key=lambda check: (-check["score"], check["feature"]))
    return checks
