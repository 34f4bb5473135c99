"""Per-feature drift of a window of logged inputs against the reference sample: pure numpy /
scipy, no database. The statistics and thresholds are the ones the established tools use
(Evidently's defaults): PSI, Jensen–Shannon distance and normed Wasserstein over 0.1, KS and
chi-square at p < 0.05. Which one decides follows the same rule: a test for a small
reference (≤ 1,000 rows), a distance for a large one, where any test rejects tiny shifts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats
from scipy.spatial.distance import jensenshannon

DISTANCE_THRESHOLD = 0.1
P_VALUE_THRESHOLD = 0.05
SMALL_REFERENCE = 1_000
DATASET_DRIFT_SHARE = 0.5
PSI_BINS = 10
HISTOGRAM_BINS = 20
_EPSILON = 1e-4


def _proportions(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts.astype(float)


def psi(reference: np.ndarray, window: np.ndarray) -> float:
    """Population stability index of two proportion vectors (empty bins smoothed)."""
    ref = np.clip(reference, _EPSILON, None)
    cur = np.clip(window, _EPSILON, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def _js(reference: np.ndarray, window: np.ndarray) -> float:
    value = float(jensenshannon(np.clip(reference, _EPSILON, None), np.clip(window, _EPSILON, None)))
    return 0.0 if not np.isfinite(value) else value


def _histogram(reference: np.ndarray, window: np.ndarray) -> dict[str, list[float]]:
    """Equal-width bins over the central 99% of both samples, for the picture only."""
    both = np.concatenate([reference, window])
    low, high = np.quantile(both, [0.005, 0.995]) if len(both) else (0.0, 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    clipped_ref = np.clip(reference, low, high)
    clipped_cur = np.clip(window, low, high)
    return {"edges": [round(float(e), 6) for e in edges],
            "reference": [round(float(p), 5) for p in _proportions(np.histogram(clipped_ref, edges)[0])],
            "window": [round(float(p), 5) for p in _proportions(np.histogram(clipped_cur, edges)[0])]}


def numeric_drift(reference: np.ndarray, window: np.ndarray) -> dict[str, Any]:
    reference = reference[np.isfinite(reference)]
    finite = np.isfinite(window)
    non_finite_share = float(1 - finite.mean()) if len(window) else 0.0
    window = window[finite]
    if len(reference) == 0 or len(window) == 0:
        return {"kind": "numeric", "drifted": False, "method": None, "non_finite_share": non_finite_share,
                "note": "No numbers to compare " + ("in the reference." if len(reference) == 0 else "in the window.")}
    # PSI and JS on the reference's deciles, open at both ends.
    inner = np.unique(np.quantile(reference, np.linspace(0, 1, PSI_BINS + 1))[1:-1])
    ref_p = _proportions(np.bincount(np.searchsorted(inner, reference, side="right"), minlength=len(inner) + 1))
    cur_p = _proportions(np.bincount(np.searchsorted(inner, window, side="right"), minlength=len(inner) + 1))
    ks = scipy_stats.ks_2samp(reference, window)
    spread = float(np.std(reference))
    wasserstein = float(scipy_stats.wasserstein_distance(reference, window))
    if spread > 0:
        normed = wasserstein / spread
    else:  # a constant reference: any difference is drift
        normed = 0.0 if wasserstein == 0 else float("inf")
    result = {
        "kind": "numeric",
        "psi": round(psi(ref_p, cur_p), 5),
        "jensen_shannon": round(_js(ref_p, cur_p), 5),
        "ks_statistic": round(float(ks.statistic), 5),
        "ks_p_value": float(ks.pvalue),
        "wasserstein_normed": round(normed, 5) if np.isfinite(normed) else None,
        "reference_mean": float(np.mean(reference)),
        "window_mean": float(np.mean(window)),
        "non_finite_share": non_finite_share,
        "histogram": _histogram(reference, window),
    }
    if len(reference) <= SMALL_REFERENCE:
        result.update(method="ks", drifted=bool(ks.pvalue < P_VALUE_THRESHOLD))
    else:
        result.update(method="wasserstein", drifted=bool(not np.isfinite(normed) or normed >= DISTANCE_THRESHOLD))
    return result


def categorical_drift(reference: pd.Series, window: pd.Series) -> dict[str, Any]:
    ref_counts = reference.dropna().astype(str).value_counts()
    cur_counts = window.dropna().astype(str).value_counts()
    categories = sorted(set(ref_counts.index) | set(cur_counts.index), key=lambda c: -ref_counts.get(c, 0))
    if not len(ref_counts) or not len(cur_counts):
        return {"kind": "categorical", "drifted": False, "method": None, "note": "No values to compare."}
    ref_n = ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    cur_n = cur_counts.reindex(categories, fill_value=0).to_numpy(dtype=float)
    ref_p, cur_p = _proportions(ref_n), _proportions(cur_n)
    if len(categories) > 1:
        chi2, p_value, _, _ = scipy_stats.chi2_contingency(np.vstack([ref_n, cur_n]))
    else:
        chi2, p_value = 0.0, 1.0
    js = _js(ref_p, cur_p)
    unseen = [c for c in categories if ref_counts.get(c, 0) == 0]
    shown = categories[:HISTOGRAM_BINS]
    result = {
        "kind": "categorical", "chi_square": round(float(chi2), 5), "chi_square_p_value": float(p_value),
        "jensen_shannon": round(js, 5), "psi": round(psi(ref_p, cur_p), 5), "unseen_categories": unseen[:20],
        "histogram": {"categories": shown, "reference": [round(float(p), 5) for p in ref_p[:len(shown)]],
                      "window": [round(float(p), 5) for p in cur_p[:len(shown)]]},
    }
    if len(reference) <= SMALL_REFERENCE:
        result.update(method="chi_square", drifted=bool(p_value < P_VALUE_THRESHOLD))
    else:
        result.update(method="jensen_shannon", drifted=bool(js >= DISTANCE_THRESHOLD))
    return result


def drift_summary(*, reference: pd.DataFrame, window: pd.DataFrame, types: dict[str, str]) -> dict[str, Any]:
    """Per-feature results (names in `types`: "number"/"integer" or anything else for a
    category) and the dataset-level verdict: drift when at least half the features drift."""
    features: dict[str, Any] = {}
    for name, kind in types.items():
        if name not in reference.columns or name not in window.columns:
            features[name] = {"kind": kind, "drifted": False, "method": None,
                              "note": "Not in the " + ("reference." if name not in reference.columns else "window.")}
            continue
        if kind in ("number", "integer"):
            ref = pd.to_numeric(reference[name], errors="coerce").to_numpy(dtype=float)
            cur = pd.to_numeric(window[name], errors="coerce").to_numpy(dtype=float)
            result = numeric_drift(ref, cur)
        else:
            result = categorical_drift(reference[name], window[name])
        result["window_null_share"] = float(window[name].isna().mean()) if len(window) else 0.0
        result["reference_null_share"] = float(reference[name].isna().mean()) if len(reference) else 0.0
        features[name] = result
    drifted = [name for name, result in features.items() if result.get("drifted")]
    compared = [name for name, result in features.items() if result.get("method")]
    share = len(drifted) / len(compared) if compared else 0.0
    return {"features": features, "drifted_features": drifted, "share_drifted": share,
            "dataset_drift": bool(compared) and share >= DATASET_DRIFT_SHARE}
