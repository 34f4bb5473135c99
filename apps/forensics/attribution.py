"""Which feature values drove one output, without heavy dependencies.

- Any model: set each feature in turn to its reference median (most frequent category for
  text) and see how the model's score for the predicted class moves: one batched predict of
  n + 1 rows.
- Linear models (a `coef_`, optionally after element-wise scalers): the exact contribution
  coef × (x − mean) in the model's own units (log-odds for a logistic regression)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_ELEMENTWISE_SCALERS = {"StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler"}


def baseline_row(feature_names: list[str], stats: dict[str, dict]) -> dict[str, Any]:
    """The reference's typical input: median for numbers, most frequent category otherwise."""
    row: dict[str, Any] = {}
    for name in feature_names:
        ref = stats.get(name) or {}
        if (ref.get("quantiles") or {}).get("0.5") is not None:
            row[name] = ref["quantiles"]["0.5"]
        elif ref.get("categories"):
            row[name] = max(ref["categories"], key=ref["categories"].get)
        else:
            row[name] = None
    return row


def _score(predictor, frame: pd.DataFrame, target: Any) -> tuple[np.ndarray, str]:
    """The number that moves: the probability of the predicted class, else the prediction."""
    if hasattr(predictor, "predict_proba") and hasattr(predictor, "classes_"):
        classes = list(predictor.classes_)
        probabilities = np.asarray(predictor.predict_proba(frame), dtype=float)
        return probabilities[:, classes.index(target)], f"probability of {target}"
    return np.asarray(predictor.predict(frame), dtype=float).ravel(), "predicted value"


def by_median_substitution(*, predictor, features: dict[str, Any], feature_names: list[str],
                           stats: dict[str, dict]) -> dict[str, Any]:
    names = [name for name in feature_names if name in stats]
    baseline = baseline_row(names, stats)
    original = pd.DataFrame([{name: features.get(name) for name in feature_names}], columns=feature_names)
    frame = pd.concat([original] * (len(names) + 1), ignore_index=True)
    for position, name in enumerate(names, start=1):
        frame.loc[position, name] = baseline[name]
    frame = frame.infer_objects()
    target = predictor.predict(original)[0]
    target = target.item() if hasattr(target, "item") else target
    scores, what = _score(predictor, frame, target)
    effects = scores[0] - scores[1:]
    rows = [{"feature": name, "value": features.get(name), "baseline": baseline[name], "effect": round(float(e), 6)}
            for name, e in zip(names, effects, strict=True)]
    rows.sort(key=lambda row: -abs(row["effect"]))
    return {"method": "median_substitution", "target": target, "explains": what, "output_score": float(scores[0]),
            "features": rows,
            "note": f"How much the {what} drops when the feature is set to its training median instead."}


def _linear_parts(predictor):
    """(scalers, linear estimator) when the model is linear in its inputs, else None."""
    steps = getattr(predictor, "steps", None)
    if steps is None:
        return ([], predictor) if hasattr(predictor, "coef_") else None
    *before, (_, last) = steps
    if not hasattr(last, "coef_"):
        return None
    scalers = [step for _, step in before if step is not None and step != "passthrough"]
    if any(type(step).__name__ not in _ELEMENTWISE_SCALERS for step in scalers):
        return None
    return scalers, last


def by_linear_coefficients(*, predictor, features: dict[str, Any], feature_names: list[str],
                           stats: dict[str, dict]) -> dict[str, Any] | None:
    parts = _linear_parts(predictor)
    if parts is None or any((stats.get(n) or {}).get("mean") is None for n in feature_names):
        return None
    scalers, linear = parts
    x = pd.DataFrame([{n: features.get(n) for n in feature_names}], columns=feature_names, dtype=float)
    mean = pd.DataFrame([{n: stats[n]["mean"] for n in feature_names}], columns=feature_names, dtype=float)
    x_values, mean_values = x, mean
    for scaler in scalers:
        x_values, mean_values = scaler.transform(x_values), scaler.transform(mean_values)
    difference = np.asarray(x_values, dtype=float)[0] - np.asarray(mean_values, dtype=float)[0]
    coef = np.atleast_2d(np.asarray(linear.coef_, dtype=float))
    target = predictor.predict(x)[0]
    target = target.item() if hasattr(target, "item") else target
    classes = list(getattr(linear, "classes_", []))
    if coef.shape[0] == 1:
        sign = -1.0 if classes and len(classes) == 2 and target == classes[0] else 1.0
        weights = sign * coef[0]
    else:
        weights = coef[classes.index(target)] if classes else coef[0]
    effects = weights * difference
    rows = [{"feature": n, "value": features.get(n), "baseline": stats[n]["mean"], "effect": round(float(e), 6)}
            for n, e in zip(feature_names, effects, strict=True)]
    rows.sort(key=lambda row: -abs(row["effect"]))
    units = "log-odds of " + str(target) if classes else "predicted value"
    return {"method": "linear", "target": target, "explains": units, "features": rows,
            "note": f"Exact for a linear model: coefficient × (value − training mean), in {units}."}


def attribute(*, predictor, features: dict[str, Any], feature_names: list[str],
              stats: dict[str, dict]) -> dict[str, Any]:
    """Both views when the model is linear (exact first), else median substitution."""
    result = by_median_substitution(predictor=predictor, features=features, feature_names=feature_names,
                                    stats=stats)
    linear = by_linear_coefficients(predictor=predictor, features=features, feature_names=feature_names,
                                    stats=stats)
    if linear is not None:
        result["linear"] = linear
    return result
