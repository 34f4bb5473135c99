"""From the report's input checks to candidate repairs, one table: which check flag suggests
which hypothesis kind, and how to repair the input to test it (the counterfactual). Issue 20's
joint checks (`inconsistent_with_others`, `swapped_with:<feature>`, `default_filled`,
`unusual_combination`, each with an optional `suggestion`) feed the same table: a flag this
module has never heard of is ignored, a new one is one row."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.registry.reference_checks import fmt, is_number, scale_shift

from ..kinds import Kind


@dataclass(frozen=True)
class Candidate:
    """A hypothesis an input check suggests, with the repaired values that would test it."""

    kind: Kind
    feature: str
    value: Any
    finding: str  # the check's own sentence
    strength: float  # the check's score (the forensics scale: 0.3 is mild, 1 is loud)
    overrides: dict[str, Any] = field(default_factory=dict)
    repair: str = ""  # the repair in words: "divided by 1,000"
    other_feature: str | None = None
    # How far outside the range, in spreads of the feature (out_of_range only).
    distance: float | None = None


def _median(ref: dict) -> Any:
    quantiles = ref.get("quantiles") or {}
    if quantiles.get("0.5") is not None:
        return quantiles["0.5"]
    categories = ref.get("categories") or {}
    if categories:
        return max(categories.items(), key=lambda item: item[1] or 0)[0]
    return None


def _spread(ref: dict) -> float:
    quantiles = ref.get("quantiles") or {}
    q25, q75 = quantiles.get("0.25"), quantiles.get("0.75")
    if q25 is not None and q75 is not None and q75 > q25:
        return float(q75 - q25)
    if ref.get("std"):
        return float(ref["std"])
    low, high = ref.get("min"), ref.get("max")
    return float(high - low) if low is not None and high is not None and high > low else 1.0


def nearest_category(value: Any, categories: list[str]) -> str | None:
    """A seen category for an unseen one: the same up to case and whitespace, else the closest
    spelling, else none."""
    if not categories:
        return None
    text = str(value)
    folded = " ".join(text.split()).casefold()
    for category in categories:
        if " ".join(category.split()).casefold() == folded:
            return category
    close = difflib.get_close_matches(text, categories, n=1, cutoff=0.6)
    if close:
        return close[0]
    folded_map = {category.casefold(): category for category in categories}
    close = difflib.get_close_matches(folded, list(folded_map), n=1, cutoff=0.6)
    return folded_map[close[0]] if close else None


Builder = Callable[[dict, dict, dict], "Candidate | None"]


def _unit(check: dict, ref: dict, _: dict) -> Candidate | None:
    if not is_number(check["value"]):
        return None
    shift = scale_shift(float(check["value"]), ref)
    if shift is None:
        return None
    _, how, rescaled = shift
    return Candidate(Kind.INPUT_UNIT_CHANGE, check["feature"], check["value"], check.get("message", ""),
                     check.get("score", 0.0), {check["feature"]: rescaled}, how)


def _placeholder(check: dict, ref: dict, _: dict) -> Candidate | None:
    suggestion = check.get("suggestion") or {}
    fill = suggestion.get(check["feature"], _median(ref))
    if fill is None:
        return Candidate(Kind.MISSING_VALUE, check["feature"], check["value"], check.get("message", ""),
                         check.get("score", 0.0))
    words = "filled with the suggested value" if suggestion else (
        f"filled with the training {'median' if is_number(fill) else 'most common value'} ({_shown(fill)})")
    return Candidate(Kind.MISSING_VALUE, check["feature"], check["value"], check.get("message", ""),
                     check.get("score", 0.0), {check["feature"]: fill}, words)


def _default_filled(check: dict, ref: dict, declared: dict) -> Candidate | None:
    # The value already *is* the reference's mean or median: filling that in again tests
    # nothing, so only the joint check's suggestion (what the other features say) repairs it.
    if check.get("suggestion"):
        return _placeholder(check, ref, declared)
    return Candidate(Kind.MISSING_VALUE, check["feature"], check["value"], check.get("message", ""),
                     check.get("score", 0.0))


def _unseen(check: dict, ref: dict, declared: dict) -> Candidate | None:
    categories = list((ref.get("categories") or {}).keys()) or list(declared.get("categories") or [])
    nearest = nearest_category(check["value"], categories)
    fill = nearest if nearest is not None else _median(ref)
    words = (f"replaced by the nearest seen category {_shown(nearest)}" if nearest is not None else
             f"replaced by the most common category {_shown(fill)}" if fill is not None else "")
    return Candidate(Kind.UNSEEN_CATEGORY, check["feature"], check["value"], check.get("message", ""),
                     check.get("score", 0.0), {check["feature"]: fill} if fill is not None else {}, words)


def _swapped(check: dict, _: dict, __: dict, *, other: str | None = None, values: dict | None = None
             ) -> Candidate | None:
    other = other or check.get("swapped_with")
    if not other:
        return None
    suggestion = check.get("suggestion") or {}
    overrides = dict(suggestion) if suggestion else (
        {check["feature"]: values.get(other), other: check["value"]} if values is not None and other in values else {})
    return Candidate(Kind.SWAPPED_FEATURES, check["feature"], check["value"], check.get("message", ""),
                     check.get("score", 0.0), overrides, f"`{check['feature']}` and `{other}` swapped back",
                     other_feature=other)


def _suggested(kind: Kind, words: str) -> Builder:
    def build(check: dict, _: dict, __: dict) -> Candidate | None:
        suggestion = check.get("suggestion") or {}
        return Candidate(kind, check["feature"], check["value"], check.get("message", ""), check.get("score", 0.0),
                         dict(suggestion), words if suggestion else "")
    return build


def _out_of_range(check: dict, ref: dict, _: dict) -> Candidate | None:
    low, high = ref.get("min"), ref.get("max")
    if not is_number(check["value"]) or low is None or high is None:
        return None
    value = float(check["value"])
    clipped = min(max(value, low), high)
    distance = abs(value - clipped) / _spread(ref)
    return Candidate(Kind.OUT_OF_RANGE, check["feature"], check["value"], check.get("message", ""),
                     check.get("score", 0.0), {check["feature"]: clipped},
                     f"clipped to the training {'maximum' if value > high else 'minimum'} ({fmt(clipped)})",
                     distance=round(distance, 3))


def _flag_matches(flags: list[str], wanted: str) -> bool:
    return any(flag == wanted or flag.startswith(wanted + ":") for flag in flags)


# The table, in priority order: the first row whose flag a check carries decides its kind.
FLAG_KINDS: list[tuple[str, Kind, Builder]] = [
    ("swapped", Kind.SWAPPED_FEATURES, _swapped),
    ("swapped_with", Kind.SWAPPED_FEATURES, _swapped),          # issue 20: "swapped_with:<feature>"
    ("scale_shift", Kind.INPUT_UNIT_CHANGE, _unit),
    ("default_value", Kind.MISSING_VALUE, _placeholder),
    ("missing", Kind.MISSING_VALUE, _placeholder),
    ("default_filled", Kind.MISSING_VALUE, _default_filled),       # issue 20: an imputation default
    ("unseen_category", Kind.UNSEEN_CATEGORY, _unseen),
    ("inconsistent_with_others", Kind.VALUE_FROM_ANOTHER_ROW,   # issue 20: a value from another row
     _suggested(Kind.VALUE_FROM_ANOTHER_ROW, "replaced by what the other features predict")),
    ("unusual_combination", Kind.UNUSUAL_COMBINATION,           # issue 20
     _suggested(Kind.UNUSUAL_COMBINATION, "replaced by a category that fits the rest of the input")),
    ("above_max", Kind.OUT_OF_RANGE, _out_of_range),
    ("below_min", Kind.OUT_OF_RANGE, _out_of_range),
]


def candidates_from_checks(*, checks: list[dict], features: dict[str, Any], stats: dict[str, dict],
                           schema: dict[str, Any]) -> list[Candidate]:
    """One candidate per flagged feature (a swapped pair once), most suspicious check first."""
    declared = {feature["name"]: feature for feature in (schema or {}).get("features", [])}
    found: list[Candidate] = []
    pairs: set[frozenset[str]] = set()
    for check in checks:
        flags = list(check.get("flags") or [])
        for flag, kind, build in FLAG_KINDS:
            if not _flag_matches(flags, flag):
                continue
            ref = stats.get(check["feature"]) or {}
            if kind == Kind.SWAPPED_FEATURES:
                other = check.get("swapped_with") or next(
                    (f.split(":", 1)[1] for f in flags if f.startswith("swapped_with:")), None)
                if other is None or frozenset({check["feature"], other}) in pairs:
                    break
                pairs.add(frozenset({check["feature"], other}))
                candidate = _swapped(check, ref, {}, other=other, values=features)
            else:
                candidate = build(check, ref, declared.get(check["feature"]) or {})
            if candidate is not None:
                found.append(candidate)
                break
    return found


def _shown(value: Any) -> str:
    if is_number(value):
        return fmt(float(value))
    if isinstance(value, float) and math.isnan(value):
        return "missing"
    return f"'{value}'"
