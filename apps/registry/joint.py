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

Everything stored is plain JSON (coefficients, tree nodes, thresholds);
`apps.registry.joint_model.JointModel` evaluates it. Big references are sampled."""

from __future__ import annotations

import math
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


def design_matrix(frame: pd.DataFrame, columns: list[dict[str, Any]]) -> np.ndarray:
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
    design = design_matrix(frame, columns)
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
