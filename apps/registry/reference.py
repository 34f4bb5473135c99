"""Summary statistics of a version's training reference sample, computed once with pandas
at registration so that forensics never rescan the reference."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

QUANTILES = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0]
# A text column with at most this many distinct values is a category.
MAX_CATEGORIES = 200
REFERENCE_SAMPLE_ROWS = 10_000


def _feature_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


def infer_schema(frame: pd.DataFrame) -> dict[str, Any]:
    features = []
    for column in frame.columns:
        series = frame[column]
        feature: dict[str, Any] = {"name": str(column), "type": _feature_type(series)}
        if feature["type"] == "string":
            categories = series.dropna().astype(str).unique()
            if len(categories) <= MAX_CATEGORIES:
                feature["categories"] = sorted(categories.tolist())
        features.append(feature)
    return {"features": features}


def _finite(value: float) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def compute_reference_stats(frame: pd.DataFrame, *, joint: bool = False) -> dict[str, Any]:
    """Per-feature statistics; with `joint`, also how the features go together
    (`apps.registry.joint`), as registration stores them."""
    stats: dict[str, Any] = {"rows": int(len(frame)), "features": {}}
    if joint:
        from .joint import compute_joint_stats

        stats["joint"] = compute_joint_stats(frame)
    for column in frame.columns:
        series = frame[column]
        entry: dict[str, Any] = {
            "type": _feature_type(series),
            "count": int(series.notna().sum()),
            "null_rate": float(series.isna().mean()) if len(series) else 0.0,
        }
        if entry["type"] in ("integer", "number"):
            values = pd.to_numeric(series, errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
            if len(values):
                quantiles = values.quantile(QUANTILES)
                entry.update(
                    min=_finite(values.min()),
                    max=_finite(values.max()),
                    mean=_finite(values.mean()),
                    std=_finite(values.std(ddof=0)),
                    quantiles={f"{q:g}": _finite(v) for q, v in quantiles.items()},
                )
        else:
            frequencies = series.dropna().astype(str).value_counts(normalize=True)
            entry["categories"] = {str(k): float(v) for k, v in frequencies.head(MAX_CATEGORIES).items()}
        stats["features"][str(column)] = entry
    return stats


def reference_sample(frame: pd.DataFrame, *, rows: int = REFERENCE_SAMPLE_ROWS, seed: int = 0) -> list[dict]:
    if len(frame) > rows:
        frame = frame.sample(n=rows, random_state=seed)
    cleaned = frame.astype(object).where(pd.notna(frame), None)
    return cleaned.to_dict(orient="records")
