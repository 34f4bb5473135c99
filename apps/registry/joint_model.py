"""The stored joint statistics (`apps.registry.joint`) as arrays, ready to judge inputs: one
at a time for a report's checks, many at once for the drift report's joint view. Plain numpy
over the stored JSON (coefficients, tree nodes): well under a millisecond per input."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .joint import SCHEME, design_matrix


@dataclass
class JointModel:
    """The stored joint statistics as arrays, ready to judge one input at a time."""

    columns: list[dict[str, Any]]
    numeric: dict[str, dict[str, Any]]
    categorical: dict[str, dict[str, Any]]
    rare_values: dict[str, list[dict[str, Any]]]
    targets: list[str]
    weights: np.ndarray  # targets × design columns
    intercepts: np.ndarray
    position: dict[str, int]  # numeric feature → its design column
    logged: frozenset[str]  # numeric features modelled on a log scale

    @classmethod
    def from_stats(cls, joint: dict[str, Any] | None) -> JointModel | None:
        if not joint or joint.get("scheme") != SCHEME:
            return None
        numeric = joint.get("numeric") or {}
        targets = list(numeric)
        width = len(joint.get("columns") or [])
        weights = np.array([numeric[t]["coef"] for t in targets], dtype=float).reshape(len(targets), width)
        return cls(columns=joint.get("columns") or [], numeric=numeric, categorical=joint.get("categorical") or {},
                   rare_values=joint.get("rare_values") or {}, targets=targets, weights=weights,
                   intercepts=np.array([numeric[t]["intercept"] for t in targets], dtype=float),
                   position={c["feature"]: i for i, c in enumerate(joint.get("columns") or [])
                             if c["kind"] == "numeric"},
                   logged=frozenset(c["feature"] for c in joint.get("columns") or []
                                    if c["kind"] == "numeric" and c.get("log")))

    def design(self, values: dict[str, Any]) -> np.ndarray:
        """One input's model inputs. `values` holds only the features fit to use: a missing or
        unusable one counts as typical (its median, or no category)."""
        row = np.zeros(len(self.columns))
        for index, column in enumerate(self.columns):
            value = values.get(column["feature"])
            if value is None:
                continue
            if column["kind"] == "numeric":
                number = self.transform(column["feature"], float(value))
                if number is None:
                    continue
                row[index] = min(max((number - column["center"]) / column["scale"], column["low"]), column["high"])
            else:
                row[index] = float(str(value) == column["category"])
        return row

    def transform(self, name: str, value: float) -> float | None:
        """A value on the scale its model works on (a log for right-skewed positive features)."""
        if name in self.logged:
            return math.log(value) if value > 0 else None
        return value

    def untransform(self, name: str, value: float) -> float:
        return math.exp(value) if name in self.logged else value

    def predict(self, design: np.ndarray) -> np.ndarray:
        """Each numeric feature's value as the others predict it, on its model's scale."""
        predicted = self.intercepts + self.weights @ design
        for index, name in enumerate(self.targets):
            trees = self.numeric[name].get("trees")
            if trees:
                predicted[index] = _tree_predict(trees, design)
        return predicted

    def z_scores(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Each judged numeric feature's residual z-score on many rows at once (NaN where the
        row has no usable value): for the drift report's joint view."""
        present = [column["feature"] in frame.columns for column in self.columns]
        # A feature the frame lacks (redacted, say) would count as typical and mislead every
        # prediction that uses it: those features are not judged.
        absent = ~np.array(present, dtype=bool)
        design = design_matrix(frame.reindex(columns=sorted({c["feature"] for c in self.columns} | set(frame.columns))),
                         self.columns)
        predicted = self.intercepts + design @ self.weights.T
        scores: dict[str, np.ndarray] = {}
        for index, name in enumerate(self.targets):
            entry = self.numeric[name]
            uses = np.abs(np.asarray(entry.get("importance") or entry["coef"], dtype=float)) > 0
            if not entry.get("judged") or name not in frame.columns or (uses & absent).any():
                continue
            if entry.get("trees"):
                predicted[:, index] = _trees_predict_many(entry["trees"], design)
            raw = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(raw > 0, np.log(raw), np.nan) if name in self.logged else raw
            scores[name] = (value - predicted[:, index]) / entry["residual_scale"]
        return scores

    def category_probabilities(self, name: str, design: np.ndarray) -> dict[str, float]:
        entry = self.categorical[name]
        logits = np.asarray(entry["intercept"]) + np.asarray(entry["coef"]) @ design
        logits -= logits.max()
        odds = np.exp(logits)
        return dict(zip(entry["categories"], (odds / odds.sum()).tolist(), strict=True))


def _tree_predict(ensemble: dict[str, Any], design: np.ndarray) -> float:
    total = 0.0
    for tree in ensemble["trees"]:
        node = 0
        left, right, feature, threshold = tree["left"], tree["right"], tree["feature"], tree["threshold"]
        while left[node] != -1:
            node = left[node] if design[feature[node]] <= threshold[node] else right[node]
        total += tree["value"][node]
    return ensemble["init"] + ensemble["rate"] * total


def _trees_predict_many(ensemble: dict[str, Any], design: np.ndarray) -> np.ndarray:
    rows = np.arange(len(design))
    total = np.zeros(len(design))
    for tree in ensemble["trees"]:
        left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
        feature, threshold = np.asarray(tree["feature"]), np.asarray(tree["threshold"])
        node = np.zeros(len(design), dtype=int)
        while True:
            inner = left[node] != -1
            if not inner.any():
                break
            goes_left = design[rows, np.where(inner, feature[node], 0)] <= threshold[node]
            node = np.where(inner, np.where(goes_left, left[node], right[node]), node)
        total += np.asarray(tree["value"])[node]
    return ensemble["init"] + ensemble["rate"] * total
