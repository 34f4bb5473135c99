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
KS_EXACT_MAX_ROWS = 10_000  # scipy's ks_2samp(method="auto") switches to the asymptotic p-value above
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


def _bin_counts(sorted_values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """Counts per bin, bins open at both ends and closed on the left ([e_k, e_k+1)), read off
    a sorted sample with one binary search per edge instead of one per value."""
    below = np.searchsorted(sorted_values, inner_edges, side="left")
    return np.diff(np.concatenate([[0], below, [len(sorted_values)]]))


def _histogram(reference: np.ndarray, window: np.ndarray, both: np.ndarray) -> dict[str, list[float]]:
    """Equal-width bins over the central 99% of both samples, for the picture only. All three
    arrays are sorted; values beyond the central 99% count in the outer bins."""
    low, high = np.quantile(both, [0.005, 0.995]) if len(both) else (0.0, 1.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    return {"edges": [round(float(e), 6) for e in edges],
            "reference": [round(float(p), 5) for p in _proportions(_bin_counts(reference, edges[1:-1]))],
            "window": [round(float(p), 5) for p in _proportions(_bin_counts(window, edges[1:-1]))]}


def _ecdf_distances(reference: np.ndarray, window: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The two-sample KS statistic, the Wasserstein-1 distance and the sorted union of two
    sorted samples. Both statistics are read off the two empirical CDFs at every value, with
    the arithmetic of scipy's ks_2samp and wasserstein_distance, so they are the same numbers
    (tests pin it); but scipy sorts both samples again per call and binary-searches a
    million values twice, which made these two calls most of a 1M-row drift report. Here a
    stable merge of the two sorted runs says, for each value, which sample it came from, and
    counting gives each CDF."""
    joined = np.concatenate([reference, window])
    order = np.argsort(joined, kind="stable")  # timsort: two sorted runs merge in linear time
    both = joined[order]
    reference_count = np.cumsum(order < len(reference))
    window_count = np.arange(1, len(both) + 1) - reference_count
    gap = reference_count / len(reference) - window_count / len(window)
    # With ties a CDF is its value after the last of the equal values (scipy's side="right").
    # Inside a run of ties the gap is not yet that, but there the distance to the next value
    # is 0, so only the run's last position counts for either statistic.
    last_of_run = np.empty(len(both), dtype=bool)
    np.not_equal(both[1:], both[:-1], out=last_of_run[:-1])
    last_of_run[-1] = True
    settled = gap[last_of_run]
    statistic = max(float(settled.max()), float(np.clip(-settled.min(), 0, 1)))
    wasserstein = float(np.vecdot(np.abs(gap[:-1]), np.diff(both)))
    return statistic, wasserstein, both


def _ks_p_value(statistic: float, reference: np.ndarray, window: np.ndarray) -> float:
    """Two-sided p-value as scipy's ks_2samp(method="auto") gives it: the exact distribution up
    to 10,000 values per sample (cheap at that size, so scipy computes it), Smirnov's
    asymptotic one above."""
    n_ref, n_win = len(reference), len(window)
    if max(n_ref, n_win) <= KS_EXACT_MAX_ROWS:
        return float(scipy_stats.ks_2samp(reference, window).pvalue)
    larger, smaller = max(n_ref, n_win), min(n_ref, n_win)
    effective = float(larger) * float(smaller) / (float(larger) + float(smaller))
    return float(np.clip(scipy_stats.kstwo.sf(statistic, np.round(effective)), 0, 1))


def numeric_drift(reference: np.ndarray, window: np.ndarray) -> dict[str, Any]:
    reference = reference[np.isfinite(reference)]
    finite = np.isfinite(window)
    non_finite_share = float(1 - finite.mean()) if len(window) else 0.0
    window = window[finite]
    if len(reference) == 0 or len(window) == 0:
        return {"kind": "numeric", "drifted": False, "method": None, "non_finite_share": non_finite_share,
                "note": "No numbers to compare " + ("in the reference." if len(reference) == 0 else "in the window.")}
    # Every statistic below is read off the two samples sorted once (and their sorted union).
    ref_sorted, win_sorted = np.sort(reference), np.sort(window)
    ks_statistic, wasserstein, both = _ecdf_distances(ref_sorted, win_sorted)
    # PSI and JS on the reference's deciles, open at both ends.
    inner = np.unique(np.quantile(ref_sorted, np.linspace(0, 1, PSI_BINS + 1))[1:-1])
    ref_p = _proportions(_bin_counts(ref_sorted, inner))
    cur_p = _proportions(_bin_counts(win_sorted, inner))
    ks_p_value = _ks_p_value(ks_statistic, ref_sorted, win_sorted)
    spread = float(np.std(reference))
    if spread > 0:
        normed = wasserstein / spread
    else:  # a constant reference: any difference is drift
        normed = 0.0 if wasserstein == 0 else float("inf")
    result = {
        "kind": "numeric",
        "psi": round(psi(ref_p, cur_p), 5),
        "jensen_shannon": round(_js(ref_p, cur_p), 5),
        "ks_statistic": round(ks_statistic, 5),
        "ks_p_value": ks_p_value,
        "wasserstein_normed": round(normed, 5) if np.isfinite(normed) else None,
        "reference_mean": float(np.mean(reference)),
        "window_mean": float(np.mean(window)),
        "non_finite_share": non_finite_share,
        "histogram": _histogram(ref_sorted, win_sorted, both),
    }
    if len(reference) <= SMALL_REFERENCE:
        result.update(method="ks", drifted=bool(ks_p_value < P_VALUE_THRESHOLD))
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
