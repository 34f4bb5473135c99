"""Window drift: a shifted window of real inputs is flagged, an unshifted one is not (fixed
seeds), through both the small-reference tests and the large-reference distances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from apps.forensics.drift import HISTOGRAM_BINS, PSI_BINS, categorical_drift, drift_summary, numeric_drift, psi
from tests.forensics.factories import wine_frame


def _wine_window(seed: int, rows: int = 400) -> pd.DataFrame:
    frame, _ = wine_frame(with_category=True)
    rng = np.random.default_rng(seed)
    window = frame.sample(n=rows, replace=True, random_state=seed).reset_index(drop=True)
    numeric = window.select_dtypes("number")
    window[numeric.columns] = numeric * rng.normal(1.0, 0.01, size=numeric.shape)
    return window


TYPES = {name: ("string" if name == "colour_band" else "number") for name in wine_frame(with_category=True)[0]}


def test_unshifted_window_is_not_flagged():
    reference, _ = wine_frame(with_category=True)

    summary = drift_summary(reference=reference, window=_wine_window(seed=1), types=TYPES)

    assert summary["drifted_features"] == []
    assert summary["dataset_drift"] is False


def test_shifted_feature_is_flagged_and_only_it():
    reference, _ = wine_frame(with_category=True)
    window = _wine_window(seed=2)
    window["proline"] = window["proline"] * 1.4

    summary = drift_summary(reference=reference, window=window, types=TYPES)

    assert summary["drifted_features"] == ["proline"]
    assert summary["features"]["proline"]["method"] == "ks"
    assert summary["features"]["proline"]["psi"] > 0.1
    assert summary["dataset_drift"] is False
    assert len(summary["features"]["proline"]["histogram"]["reference"]) == 20


def test_half_the_features_drifting_is_dataset_drift():
    reference, _ = wine_frame(with_category=True)
    window = _wine_window(seed=3)
    numeric = [name for name, kind in TYPES.items() if kind == "number"]
    for name in numeric[: len(numeric) // 2 + 1]:
        window[name] = window[name] + reference[name].std()

    summary = drift_summary(reference=reference, window=window, types=TYPES)

    assert summary["dataset_drift"] is True and summary["share_drifted"] >= 0.5


def test_large_reference_uses_normed_wasserstein():
    rng = np.random.default_rng(4)
    reference = rng.normal(0, 1, 20_000)

    same = numeric_drift(reference, rng.normal(0, 1, 50_000))
    moved = numeric_drift(reference, rng.normal(0.3, 1, 50_000))

    assert same["method"] == "wasserstein" and not same["drifted"]
    assert moved["drifted"] and moved["wasserstein_normed"] > 0.1


def test_categories_shift_and_unseen_ones():
    rng = np.random.default_rng(5)
    reference = pd.Series(rng.choice(["a", "b", "c"], 2_000, p=[0.6, 0.3, 0.1]))

    same = categorical_drift(reference, pd.Series(rng.choice(["a", "b", "c"], 2_000, p=[0.6, 0.3, 0.1])))
    moved = categorical_drift(reference, pd.Series(rng.choice(["a", "b", "z"], 2_000, p=[0.2, 0.3, 0.5])))

    assert not same["drifted"]
    assert moved["drifted"] and moved["unseen_categories"] == ["z"]


def test_bad_columns_give_notes_not_crashes():
    reference = pd.DataFrame({"constant": [1.0] * 50, "empty": [None] * 50, "mixed": [1, "x"] * 25})
    window = pd.DataFrame({"constant": [1.0] * 30 + [2.0] * 20, "empty": [None] * 50,
                           "mixed": [np.inf, 2.0] * 25})

    summary = drift_summary(reference=reference, window=window,
                            types={"constant": "number", "empty": "number", "mixed": "number", "gone": "number"})

    assert summary["features"]["constant"]["drifted"] is True
    assert "No numbers" in summary["features"]["empty"]["note"]
    assert summary["features"]["mixed"]["non_finite_share"] == 0.5
    assert "Not in the reference" in summary["features"]["gone"]["note"]


# The KS statistic, its p-value, the Wasserstein distance and the binned shares are computed
# from samples sorted once per feature (fast for a 1M-row window), not by scipy's and numpy's
# own calls, which sort again each time. These pin that they are still the same numbers.

def _samples(kind: str, n_reference: int, n_window: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    reference, window = rng.normal(10, 2, n_reference), rng.normal(10.4, 2.2, n_window)
    if kind == "ties":  # logged with one decimal: many equal values in both samples
        reference, window = reference.round(1), window.round(1)
    elif kind == "integers":
        reference, window = rng.integers(0, 5, n_reference) * 1.0, rng.integers(0, 6, n_window) * 1.0
    elif kind == "disjoint":
        window = window + 100
    return reference, window


@pytest.mark.parametrize("kind", ["continuous", "ties", "integers", "disjoint"])
@pytest.mark.parametrize(("n_reference", "n_window"), [(178, 400), (2_000, 9_000), (5_000, 60_000)])
def test_numeric_statistics_are_scipys(kind, n_reference, n_window):
    reference, window = _samples(kind, n_reference, n_window, seed=n_window)
    window[::97] = np.nan  # non-finite values are left out before any statistic

    result = numeric_drift(reference, window)

    finite = window[np.isfinite(window)]
    ks = scipy_stats.ks_2samp(reference, finite)  # exact p up to 10,000 rows, asymptotic above
    assert result["ks_statistic"] == round(float(ks.statistic), 5)
    assert result["ks_p_value"] == pytest.approx(float(ks.pvalue), rel=1e-12, abs=1e-300)
    wasserstein = scipy_stats.wasserstein_distance(reference, finite) / np.std(reference)
    assert result["wasserstein_normed"] == round(float(wasserstein), 5)


@pytest.mark.parametrize("kind", ["continuous", "ties", "integers"])
def test_binned_shares_are_numpys(kind):
    reference, window = _samples(kind, 3_000, 20_000, seed=7)

    result = numeric_drift(reference, window)

    inner = np.unique(np.quantile(reference, np.linspace(0, 1, PSI_BINS + 1))[1:-1])
    deciles = [np.bincount(np.searchsorted(inner, values, side="right"), minlength=len(inner) + 1) / len(values)
               for values in (reference, window)]
    low, high = np.quantile(np.concatenate([reference, window]), [0.005, 0.995])
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    shares = [np.histogram(np.clip(values, low, high), edges)[0] / len(values) for values in (reference, window)]
    assert result["psi"] == round(psi(*deciles), 5)
    assert result["histogram"]["reference"] == [round(float(p), 5) for p in shares[0]]
    assert result["histogram"]["window"] == [round(float(p), 5) for p in shares[1]]
