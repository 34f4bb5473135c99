"""The training rows most similar to one input (standardised numeric distance, plus one per
differing category), so a reviewer sees how the model behaved on such inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Root-mean-square distance in standard deviations under which a neighbour counts as close.
CLOSE_RMS = 1.0


def nearest(*, sample: pd.DataFrame, features: dict[str, Any], stats: dict[str, dict],
            k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `sample` of the k nearest rows and their RMS distances (vectorised)."""
    names = [name for name in sample.columns if name in stats]
    if not names or sample.empty:
        return np.array([], dtype=int), np.array([])
    squared = np.zeros(len(sample))
    for name in names:
        ref = stats[name]
        value = features.get(name)
        if ref.get("quantiles"):
            column = pd.to_numeric(sample[name], errors="coerce").to_numpy(dtype=float)
            scale = ref.get("std") or 1.0
            number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
            gap = (column - number) / scale
            squared += np.where(np.isfinite(gap), np.minimum(gap**2, 100.0), 1.0)  # capped: one feature ≠ all
        else:
            squared += (sample[name].astype(str).to_numpy() != str(value)).astype(float)
    distances = np.sqrt(squared / len(names))
    k = min(k, len(sample))
    order = np.argpartition(distances, k - 1)[:k]
    order = order[np.argsort(distances[order])]
    return order, distances[order]


def neighbours_summary(*, rows: pd.DataFrame, distances: np.ndarray, outputs: list[Any], report_output: Any,
                       shown_features: list[str]) -> dict[str, Any]:
    same = [str(output) == str(report_output) for output in outputs]
    return {
        "k": len(rows),
        "close": bool(len(distances) and distances[0] <= CLOSE_RMS),
        "same_output_share": (sum(same) / len(same)) if same else None,
        "outputs": sorted({str(o) for o in outputs}),
        "rows": [
            {"distance": round(float(d), 3), "output": o, "same_as_report": s,
             "features": {name: _plain(rows.iloc[i][name]) for name in shown_features if name in rows.columns}}
            for i, (d, o, s) in enumerate(zip(distances, outputs, same, strict=True))
        ],
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
