"""How a version's features go together, learnt once from the reference at registration and
stored with its statistics (`reference_stats["joint"]`), so that a report's checks can tell a
value that is normal on its own but does not fit the rest of its input.

- Each numeric feature gets a model of its value given the others: a ridge regression on
  robustly scaled features (median / IQR) is the baseline; a small gradient-boosted tree
  ensemble replaces it where, on held-out reference rows, its typical error is clearly lower
  (at least a quarter). Either way the residuals on rows the model did not see give the
  feature's residual spread and the z-score a clean row can reach.
- Each categorical feature gets a multinomial logistic regression: how likely each category
  is given the others, with the surprise (−log p) held-out rows reach.
- The reference's mean and median, to full precision, when real rows (almost) never have
  them: a value equal to one of them was probably filled in for a missing one.

Everything stored is plain JSON (coefficients, tree nodes, thresholds); `JointModel` evaluates
it with numpy in well under a millisecond per input. Big references are sampled."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SCHEME = 1
# Rows the models are fitted on; a bigger reference is sampled (the fit is about how
# features go together, which a few thousand rows pin down).
JOINT_SAMPLE_ROWS = 4_000
FOLDS = 4
# Trees are only tried where there are enough held-out rows to show they are clearly better.
TREES_MIN_ROWS = 500
TREES_BETTER_BY = 0.75  # tree ensemble's typical held-out error must be at most 75 % of the linear one's
TREE_COUNT, TREE_DEPTH, TREE_ROWS = 30, 3, 2_000
# A categorical feature is modelled (and used as a predictor) through its most common categories.
MAX_MODELLED_CATEGORIES = 20
MIN_CATEGORY_ROWS = 5
# A feature the others barely predict (held-out R² below this) is not judged jointly.
MIN_R2 = 0.3
# The residual z-score that counts as "far": never below Z_FLOOR, and well above what
# held-out reference rows reach (their 99th percentile × Z_MARGIN).
Z_FLOOR, Z_MARGIN, Z_MAX_MARGIN = 5.0, 1.5, 0.8
SURPRISE_FLOOR = -math.log(0.02)  # a category is unusual only below a 2 % probability …
# … and well past what held-out rows reach.
SURPRISE_MARGIN = 1.5
RARE_SHARE = 0.001  # "real data never or rarely has it": in under 0.1 % of rows
LOG_SKEW = 0.75  # a positive feature at least this right-skewed is modelled on a log scale


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _robust_scale(values: pd.Series) -> tuple[float, float]:
    center = float(values.median())
    q25, q75 = values.quantile([0.25, 0.75])
    scale = float(q75 - q25) / 1.349
    if not scale > 0:
        scale = float(values.std(ddof=0)) or 1.0
    return center, scale


def _design(frame: pd.DataFrame, columns: list[dict[str, Any]]) -> np.ndarray:
    """The model inputs of many rows: scaled numerics (missing → the median, clipped to the
    training range) and one-hot categories."""
    out = np.zeros((len(frame), len(columns)))
    for index, column in enumerate(columns):
        series = frame[column["feature"]]
        if column["kind"] == "numeric":
            raw = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                values = ((np.log(raw) if column.get("log") else raw) - column["center"]) / column["scale"]
            out[:, index] = np.clip(np.nan_to_num(values, nan=0.0), column["low"], column["high"])
        else:
            out[:, index] = (series.astype(str) == column["category"]).to_numpy(dtype=float)
    return out


def _columns(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> list[dict[str, Any]]:
    columns: list[dict[str, Any]] = []
    for name in frame.columns:
        if name in numeric:
            values = pd.to_numeric(frame[name], errors="coerce").dropna()
            if values.empty:
                continue
            # Sizes, counts and amounts (positive, right-skewed) go together by ratios: an area
            # grows with a radius squared. On a log scale they are linear and their residuals
            # even, so a model of them stays honest across the range.
            log = bool(values.min() > 0 and values.skew() > LOG_SKEW)
            values = np.log(values) if log else values
            center, scale = _robust_scale(values)
            columns.append({"feature": name, "kind": "numeric", "center": center, "scale": scale, "log": log,
                            "low": (float(values.min()) - center) / scale,
                            "high": (float(values.max()) - center) / scale})
        elif name in categorical:
            counts = frame[name].dropna().astype(str).value_counts()
            for category in counts[counts >= MIN_CATEGORY_ROWS].index[:MAX_MODELLED_CATEGORIES]:
                columns.append({"feature": name, "kind": "category", "category": str(category)})
    return columns


def _folds(rows: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(rows) % FOLDS


def _typical(errors: np.ndarray) -> float:
    return float(np.median(np.abs(errors))) * 1.4826


def _export_trees(ensemble) -> dict[str, Any]:
    trees = []
    for (estimator,) in ensemble.estimators_:
        tree = estimator.tree_
        trees.append({"left": tree.children_left.tolist(), "right": tree.children_right.tolist(),
                      "feature": tree.feature.tolist(), "threshold": tree.threshold.tolist(),
                      "value": [float(v) for v in tree.value[:, 0, 0]]})
    return {"init": float(np.ravel(ensemble.init_.constant_)[0]), "rate": float(ensemble.learning_rate),
            "trees": trees}


def _fit_numeric(name: str, design: np.ndarray, target: np.ndarray, own: np.ndarray, folds: np.ndarray,
                 seed: int) -> dict[str, Any] | None:
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import Ridge

    known = ~np.isnan(target)
    x, y, fold = design[known][:, ~own], target[known], folds[known]
    if len(y) < 4 * FOLDS or np.nanstd(y) == 0:
        return None
    oof = np.empty_like(y)
    for k in range(FOLDS):
        model = Ridge(alpha=1.0).fit(x[fold != k], y[fold != k])
        oof[fold == k] = model.predict(x[fold == k])
    residuals = y - oof
    r2 = 1 - float(np.mean(residuals**2)) / float(np.var(y))
    linear_error = _typical(residuals[fold == 0])
    final = Ridge(alpha=1.0).fit(x, y)
    coef = np.zeros(len(own))
    coef[~own] = final.coef_
    entry: dict[str, Any] = {"model": "linear", "intercept": float(final.intercept_), "coef": coef.tolist(),
                             "r2": round(r2, 4)}
    if len(y) < TREES_MIN_ROWS:
        entry["why"] = (f"linear: {len(y):,} reference rows are too few to show on held-out rows that a tree "
                        "ensemble is clearly better")
    elif linear_error == 0:
        entry["why"] = "linear: the others predict it exactly on held-out rows"
    else:
        # Fitted on at most TREE_ROWS of the training folds, each split on half the features:
        # enough to see whether trees are clearly better, cheap enough for 50 features.
        train = np.flatnonzero(fold != 0)[:TREE_ROWS]
        ensemble = GradientBoostingRegressor(n_estimators=TREE_COUNT, max_depth=TREE_DEPTH, subsample=0.8,
                                             max_features=0.5, random_state=seed).fit(x[train], y[train])
        tree_residuals = y[fold == 0] - ensemble.predict(x[fold == 0])
        tree_error = _typical(tree_residuals)
        if tree_error <= TREES_BETTER_BY * linear_error:
            # Trees are fitted on the design without the feature's own columns: map their
            # split features back to design positions.
            exported = _export_trees(ensemble)
            positions = np.flatnonzero(~own)
            for tree in exported["trees"]:
                tree["feature"] = [int(positions[f]) if f >= 0 else -1 for f in tree["feature"]]
            importance = np.zeros(len(own))
            importance[~own] = ensemble.feature_importances_
            residuals = tree_residuals
            r2 = 1 - float(np.mean(tree_residuals**2)) / float(np.var(y[fold == 0]))
            entry.update(model="trees", trees=exported, importance=importance.round(4).tolist(), r2=round(r2, 4),
                         why=f"trees: typical held-out error {tree_error:.4g} against {linear_error:.4g} for "
                             f"linear ({1 - tree_error / linear_error:.0%} lower)")
        else:
            entry["why"] = (f"linear: a tree ensemble was not clearly better on held-out rows (typical error "
                            f"{tree_error:.4g} against {linear_error:.4g})")
    scale = _typical(residuals)
    if not scale > 0:  # exact on held-out rows: a residual spread of a small part of the feature's
        scale = max(float(np.std(y)) * 1e-3, 1e-12)
    z = np.abs(residuals) / scale
    # Far = past anything held-out reference rows reached, with a margin: a clean input must
    # stay quiet even on a feature whose residuals have heavy tails.
    threshold = max(Z_FLOOR, Z_MARGIN * float(np.quantile(z, 0.99)), Z_MAX_MARGIN * float(z.max()))
    entry.update(residual_scale=scale, z_threshold=round(threshold, 3), judged=r2 >= MIN_R2)
    if not entry["judged"]:
        entry["why"] += f"; not judged jointly: the others explain too little of it (held-out R² {r2:.2f})"
    return entry


def _fit_categorical(design: np.ndarray, target: pd.Series, own: np.ndarray, folds: np.ndarray
                     ) -> dict[str, Any] | None:
    from sklearn.linear_model import LogisticRegression

    counts = target.dropna().astype(str).value_counts()
    categories = [str(c) for c in counts[counts >= MIN_CATEGORY_ROWS].index]
    if not 2 <= len(categories) <= MAX_MODELLED_CATEGORIES:
        return None
    labels = target.astype(str).to_numpy()
    known = np.isin(labels, categories) & target.notna().to_numpy()
    x, y, fold = design[known][:, ~own], labels[known], folds[known]
    surprise = np.empty(len(y))
    for k in range(FOLDS):
        train = fold != k
        if len(set(y[train])) < len(categories):
            surprise[fold == k] = 0.0
            continue
        model = LogisticRegression(C=1.0, max_iter=500).fit(x[train], y[train])
        probabilities = model.predict_proba(x[fold == k])
        index = {c: i for i, c in enumerate(model.classes_)}
        picked = probabilities[np.arange(len(probabilities)), [index[c] for c in y[fold == k]]]
        surprise[fold == k] = -np.log(np.clip(picked, 1e-12, 1))
    final = LogisticRegression(C=1.0, max_iter=500).fit(x, y)
    classes = [str(c) for c in final.classes_]
    coef = np.zeros((len(classes), len(own)))
    intercept = np.asarray(final.intercept_, dtype=float)
    if len(classes) == 2:  # one decision function for two classes: as two softmax rows
        coef[1, ~own] = final.coef_[0]
        intercept = np.array([0.0, intercept[0]])
    else:
        coef[:, ~own] = final.coef_
    accuracy = float(np.mean(np.exp(-surprise) > 0.5))
    return {"categories": classes, "intercept": intercept.tolist(), "coef": coef.round(6).tolist(),
            "surprise_threshold": round(max(SURPRISE_FLOOR, SURPRISE_MARGIN * float(np.quantile(surprise, 0.99))), 3),
            "held_out_accuracy": round(accuracy, 4)}


def _rare_values(frame: pd.DataFrame, numeric: list[str]) -> dict[str, list[dict[str, Any]]]:
    rare: dict[str, list[dict[str, Any]]] = {}
    for name in numeric:
        values = pd.to_numeric(frame[name], errors="coerce").dropna()
        if values.empty:
            continue
        found = []
        for kind, value in (("mean", float(values.mean())), ("median", float(values.median()))):
            share = float((values == value).mean())
            if share < RARE_SHARE and math.isfinite(value) and all(v["value"] != value for v in found):
                found.append({"kind": kind, "value": value, "share": share})
        if found:
            rare[name] = found
    return rare


def compute_joint_stats(frame: pd.DataFrame, *, seed: int = 0, sample_rows: int = JOINT_SAMPLE_ROWS
                        ) -> dict[str, Any]:
    """The joint statistics of a reference frame (see the module's docstring)."""
    frame = frame.rename(columns=str)
    numeric = [name for name in frame.columns if _is_numeric(frame[name])]
    categorical = [name for name in frame.columns if name not in numeric]
    joint: dict[str, Any] = {"scheme": SCHEME, "rows": int(len(frame)), "rare_values": _rare_values(frame, numeric)}
    if len(frame) > sample_rows:
        frame = frame.sample(n=sample_rows, random_state=seed)
    columns = _columns(frame, numeric, categorical)
    joint.update(fitted_rows=int(len(frame)), columns=columns, numeric={}, categorical={})
    if len(frame) < 4 * FOLDS or len({c["feature"] for c in columns}) < 2:
        return joint
    design = _design(frame, columns)
    folds = _folds(len(frame), seed)
    owners = np.array([c["feature"] for c in columns])
    logged = {c["feature"] for c in columns if c["kind"] == "numeric" and c["log"]}
    skipped = []
    for name in numeric:
        target = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        if name in logged:
            target = np.log(target)
        try:
            entry = _fit_numeric(name, design, target, owners == name, folds, seed)
        except (ValueError, np.linalg.LinAlgError) as error:  # a degenerate column: judged alone
            skipped.append(f"{name}: {error}"[:200])
            continue
        if entry is not None:
            joint["numeric"][name] = entry
    for name in categorical:
        try:
            entry = _fit_categorical(design, frame[name], owners == name, folds)
        except (ValueError, np.linalg.LinAlgError) as error:
            skipped.append(f"{name}: {error}"[:200])
            continue
        if entry is not None:
            joint["categorical"][name] = entry
    if skipped:
        joint["skipped"] = skipped
    return _finite(joint)


def _finite(value: Any) -> Any:
    """JSON as PostgreSQL stores it: no NaN or infinity anywhere."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- Evaluation from the stored statistics -------------------------------------------------

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
        design = _design(frame.reindex(columns=sorted({c["feature"] for c in self.columns} | set(frame.columns))),
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
