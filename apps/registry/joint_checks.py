"""Findings that one column cannot show: values each normal on their own that do not fit the
rest of their input. Judged from the joint statistics stored at registration
(`apps.registry.joint`), never by rescanning the reference; pure functions, no database.

Flags (contract, relied on by the differential diagnosis): `inconsistent_with_others`,
`swapped_with:<feature>`, `default_filled`, `unusual_combination`. Each finding adds a
`message` and, where it suggests a repair, a `suggestion` (`{feature: value}`)."""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np

from .joint_model import JointModel
from .reference_checks import fmt, is_number, quoted

SCORE_INCONSISTENT = 0.45
SCORE_SWAPPED_JOINT = 0.5
SCORE_DEFAULT_FILLED = 0.5
SCORE_UNUSUAL_COMBINATION = 0.45
MAX_CULPRITS = 3
# Both of a swapped pair are odd where they are: each at least this part of its threshold.
SWAP_PARTNER = 0.5
# Swapped back, the pair's misfit (Σ z²) must drop below this part of what it is.
SWAP_GAIN = 0.1
# … and leave the whole input under this part of the misfit the best single culprit leaves.
SWAP_BEATS_SINGLE = 0.5


def _strength(excess_ratio: float) -> float:
    """How far past its threshold a finding is, on the ranking's scale (0 … 0.45)."""
    return min(0.45, 0.15 * math.log2(max(excess_ratio, 1.0)))


def _add(check: dict[str, Any], flag: str, score: float, message: str,
         suggestion: dict[str, Any] | None = None) -> None:
    check["flags"] = [*check["flags"], flag]
    check["score"] = round(check["score"] + score, 3)
    check["message"] = message
    if suggestion:
        check["suggestion"] = {name: _plain(value) for name, value in suggestion.items()}


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, (float, np.floating)) else value


class _Input:
    """One input in the model's terms: the usable values and what the others predict."""

    def __init__(self, model: JointModel, values: dict[str, Any]):
        self.model, self.values = model, dict(values)
        self.refresh()

    def refresh(self) -> None:
        self.design, predicted = self._predict(self.values)
        self.predicted = predicted

    def _predict(self, values: dict[str, Any]) -> tuple[np.ndarray, dict[str, float]]:
        """What the others predict for each numeric feature (on its model's scale). A feature
        without a usable value counts as what the others predict for it, not as a typical
        value, so that a value left out misleads none of the others."""
        model = self.model
        design = model.design(values)
        predicted = model.predict(design)
        absent = [(i, name) for i, name in enumerate(model.targets)
                  if values.get(name) is None and name in model.position]
        if absent:
            for index, name in absent:
                column = model.columns[model.position[name]]
                design[model.position[name]] = min(max((predicted[index] - column["center"]) / column["scale"],
                                                       column["low"]), column["high"])
            predicted = model.predict(design)
        return design, dict(zip(model.targets, predicted, strict=True))

    def predict_with(self, values: dict[str, Any]) -> dict[str, float]:
        return self._predict(values)[1]

    def value_predicted(self, name: str) -> float:
        """What the others predict for `name`, in its own unit."""
        return self.model.untransform(name, self.predicted[name])

    def z(self, name: str, values: dict[str, Any] | None = None, predicted: dict[str, float] | None = None
          ) -> float | None:
        values, predicted = values or self.values, predicted or self.predicted
        entry = self.model.numeric.get(name)
        if entry is None or not entry.get("judged") or values.get(name) is None:
            return None
        value = self.model.transform(name, float(values[name]))
        return None if value is None else (value - predicted[name]) / entry["residual_scale"]

    def misfit(self, values: dict[str, Any], predicted: dict[str, float], skip: frozenset = frozenset()) -> float:
        """How badly, in all, the numeric features fit what the others predict (Σ z²)."""
        total = 0.0
        for name in self.model.targets:
            z = None if name in skip else self.z(name, values, predicted)
            if z is not None:
                total += z * z
        return total

    def drivers(self, name: str, count: int = 2) -> list[str]:
        """The features that pull `name`'s prediction most, with their values."""
        entry = self.model.numeric[name]
        weights = np.asarray(entry.get("importance") or entry["coef"], dtype=float)
        pull = np.abs(weights) * (np.abs(self.design) if entry.get("importance") is None else 1.0)
        named: list[str] = []
        seen: set[str] = set()
        for index in np.argsort(-pull):
            if pull[index] <= 0 or len(named) >= count:
                break
            column = self.model.columns[index]
            feature = column["feature"]
            if feature in seen or self.values.get(feature) is None:
                continue
            seen.add(feature)
            value = self.values[feature]
            named.append(f"`{feature}` {fmt(float(value))}" if column["kind"] == "numeric" else f"`{feature}` {value}")
        return named


def _usable(checks: list[dict[str, Any]], model: JointModel) -> dict[str, Any]:
    """The values the joint models may use: those the univariate checks found nothing wrong
    with (an out-of-range or missing value is already a finding, and would mislead the others)."""
    usable: dict[str, Any] = {}
    for check in checks:
        name, value = check["feature"], check["value"]
        if check["flags"]:
            continue
        if name in model.position and is_number(value):
            usable[name] = float(value)
        elif isinstance(value, str) and not is_number(value):
            usable[name] = value
    return usable


def _default_filled(by_name: dict[str, dict], state: _Input) -> None:
    for name, rare in state.model.rare_values.items():
        value = state.values.get(name)
        if not is_number(value):
            continue
        hit = next((entry for entry in rare if float(value) == entry["value"]), None)
        if hit is None:
            continue
        # Judged as missing from here on: a filled-in value says nothing about the others.
        del state.values[name]
        state.refresh()
        judged = name in state.model.numeric and state.model.numeric[name].get("judged")
        predicted = state.value_predicted(name) if judged else None
        rows = f"{hit['share']:.2%} of training rows" if hit["share"] else "no training row"
        message = (f"`{name}` = {fmt(float(value))} is exactly the training {hit['kind']}, to full precision — a value "
                   f"{rows} has. Was a missing value filled in with the {hit['kind']}?")
        if judged and predicted is not None:
            message += f" The other features suggest about {fmt(_round(predicted))}."
        _add(by_name[name], "default_filled", SCORE_DEFAULT_FILLED, message,
             {name: _round(predicted)} if judged and predicted is not None else None)


def _spread(model: JointModel, name: str, centre: float, width: float) -> float:
    """The usual ± around a prediction, in the feature's own unit."""
    return (model.untransform(name, centre + width) - model.untransform(name, centre - width)) / 2


def _round(value: float, digits: int = 3) -> float:
    """A suggested value with the digits people read (3 significant)."""
    return float(f"{value:.{digits}g}")


def _unusual_categories(by_name: dict[str, dict], state: _Input) -> None:
    for name, entry in state.model.categorical.items():
        value = state.values.get(name)
        if not isinstance(value, str) or value not in entry["categories"]:
            continue
        probabilities = state.model.category_probabilities(name, state.design)
        surprise = -math.log(max(probabilities[value], 1e-12))
        if surprise <= entry["surprise_threshold"]:
            continue
        likely = max(probabilities, key=probabilities.get)
        message = (f"`{name}` = {quoted(value)} is unlikely together with the rest of this input: given the "
                   f"other features it has a {probabilities[value]:.1%} chance, and {quoted(likely)} "
                   f"{probabilities[likely]:.0%}. "
                   "Does this input mix two records (a shared account, a wrong join)?")
        _add(by_name[name], "unusual_combination", SCORE_UNUSUAL_COMBINATION
             + _strength(surprise / entry["surprise_threshold"]), message, {name: likely})
        del state.values[name]
        state.refresh()


def _swaps(by_name: dict[str, dict], state: _Input) -> None:
    """Two features that each fit the other's prediction far better than their own: with
    both left out, the rest of the input predicts each where the other's value is."""
    model = state.model
    zs = {name: z for name in model.targets if (z := state.z(name)) is not None}
    limit = {name: model.numeric[name]["z_threshold"] for name in zs}
    odd = sorted(name for name, z in zs.items() if abs(z) > SWAP_PARTNER * limit[name])
    best = None
    for first, second in combinations(odd, 2):
        if not (abs(zs[first]) > limit[first] or abs(zs[second]) > limit[second]) \
                or state.values[first] == state.values[second]:
            continue
        rest = state.values | {first: None, second: None}
        predicted = state.predict_with(rest)
        own = [state.z(name, state.values, predicted) for name in (first, second)]
        crossed_values = rest | {first: state.values[second], second: state.values[first]}
        crossed = [state.z(name, crossed_values, predicted) for name in (first, second)]
        if None in own or None in crossed:
            continue
        if all(abs(z) <= limit[name] for z, name in zip(crossed, (first, second), strict=True)) \
                and any(abs(z) > limit[name] for z, name in zip(own, (first, second), strict=True)):
            gain = sum(z * z for z in crossed) / max(sum(z * z for z in own), 1e-12)
            if gain < SWAP_GAIN and (best is None or gain < best[0]):
                best = (gain, first, second, crossed_values | {first: state.values[second],
                                                               second: state.values[first]})
    if best is None:
        return
    _, first, second, swapped = best
    # A swap is the bigger claim: it must explain the whole input much better than the best
    # single culprit (a value from another row also throws off the features it predicts).
    after_swap = state.misfit(swapped, state.predict_with(swapped))
    single = min(state.misfit(without := state.values | {name: None}, state.predict_with(without),
                              skip=frozenset({name}))
                 for name, z in zs.items() if abs(z) > limit[name])
    if after_swap >= SWAP_BEATS_SINGLE * single:
        return
    ratio = max(abs(zs[name]) / limit[name] for name in (first, second))
    for this, other in ((first, second), (second, first)):
        message = (f"`{this}` = {fmt(state.values[this])} and `{other}` = {fmt(state.values[other])} each fit the "
                   f"other's place far better than their own: swapped back, both fit what the rest of the input "
                   f"predicts. Were the two columns swapped?")
        _add(by_name[this], f"swapped_with:{other}", SCORE_SWAPPED_JOINT + _strength(ratio), message,
             {first: state.values[second], second: state.values[first]})
    state.values = swapped
    state.refresh()


def _culprits(by_name: dict[str, dict], state: _Input) -> None:
    """The features that do not fit, one at a time: among those far from their prediction, the
    one whose repair (its predicted value) leaves the least of the rest unexplained. A value
    from another row throws off the predictions of the features it predicts too: only the
    culprit is flagged, not the features it misleads."""
    model = state.model
    for _ in range(MAX_CULPRITS):
        far = {}
        for name in model.targets:
            z = state.z(name)
            if z is not None and abs(z) > model.numeric[name]["z_threshold"]:
                far[name] = z
        if not far:
            return
        best = None
        for name in far:
            repaired = state.values | {name: None}
            left = state.misfit(repaired, state.predict_with(repaired), skip=frozenset({name}))
            key = (left, -abs(far[name]) / model.numeric[name]["z_threshold"])
            if best is None or key < best[0]:
                best = (key, name)
        name = best[1]
        z, entry = far[name], model.numeric[name]
        predicted = state.value_predicted(name)
        drivers = state.drivers(name)
        spread = _spread(model, name, state.predicted[name], entry["residual_scale"] * 2)
        said = " and ".join(drivers) if drivers else "the other features"
        message = (f"`{name}` = {fmt(float(state.values[name]))} does not fit the rest of this input: {said} "
                   f"predict about {fmt(_round(predicted))} (usually within ±{fmt(_round(spread, 2))}). "
                   "Was it taken from another row, or another record?")
        _add(by_name[name], "inconsistent_with_others", SCORE_INCONSISTENT + _strength(abs(z) / entry["z_threshold"]),
             message, {name: _round(predicted)})
        by_name[name]["residual_z"] = round(float(z), 2)
        del state.values[name]  # judged from here on as what the others predict
        state.refresh()


def mark_joint(checks: list[dict[str, Any]], joint: dict[str, Any] | None) -> None:
    """Adds the joint findings to the univariate checks, in place."""
    model = JointModel.from_stats(joint)
    if model is None:
        return
    state = _Input(model, _usable(checks, model))
    by_name = {check["feature"]: check for check in checks}
    _default_filled(by_name, state)
    _unusual_categories(by_name, state)
    _swaps(by_name, state)
    _culprits(by_name, state)
