"""The drift report's joint view: per feature, the share of the window's rows whose value does
not fit what the other features predict (`inconsistent_with_others`), against the reference's
own share. Each value can stay typical while a pipeline starts joining the wrong rows: this
rises before anyone reports it. Pure numpy over the stored joint statistics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from apps.registry.joint_model import JointModel

# Rows judged at a time: bounds the memory of a window of a million predictions.
CHUNK_ROWS = 100_000
# A window's share is raised when it is at least RAISE_FACTOR × the reference's and at least
# RAISE_MIN_SHARE (a handful of odd rows in a big window is not a pipeline defect).
RAISE_FACTOR, RAISE_MIN_SHARE = 3.0, 0.01


def _shares(frame: pd.DataFrame, model: JointModel) -> dict[str, tuple[int, int]]:
    """feature → (rows that do not fit, rows judged)."""
    counts: dict[str, list[int]] = {}
    for start in range(0, len(frame), CHUNK_ROWS):
        for name, z in model.z_scores(frame.iloc[start:start + CHUNK_ROWS]).items():
            judged = ~np.isnan(z)
            far = np.abs(z[judged]) > model.numeric[name]["z_threshold"]
            counted = counts.setdefault(name, [0, 0])
            counted[0] += int(far.sum())
            counted[1] += int(judged.sum())
    return {name: (far, judged) for name, (far, judged) in counts.items()}


def joint_drift(*, reference: pd.DataFrame, window: pd.DataFrame, joint: dict[str, Any] | None
                ) -> dict[str, dict[str, Any]]:
    """`{feature: {"window_share", "reference_share", "window_rows", "raised"}}` for the
    features the others predict well enough to be judged; empty without joint statistics."""
    model = JointModel.from_stats(joint)
    if model is None or not len(window):
        return {}
    in_window, in_reference = _shares(window, model), _shares(reference, model)
    view = {}
    for name, (far, judged) in in_window.items():
        if not judged:
            continue
        share = far / judged
        ref_far, ref_judged = in_reference.get(name, (0, 0))
        reference_share = ref_far / ref_judged if ref_judged else 0.0
        view[name] = {"window_share": share, "reference_share": reference_share, "window_rows": judged,
                      "raised": share >= RAISE_MIN_SHARE and share >= RAISE_FACTOR * reference_share}
    return view
