"""Does a replayed output match the logged one? Labels (strings, booleans, integers) must be
equal; scores (any float) may differ within the model's tolerance, since floating point
differs between machines and library builds. Lists and dicts compare element by element."""

from __future__ import annotations

import math
from typing import Any


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def outputs_match(logged: Any, replayed: Any, *, abs_tol: float, rel_tol: float) -> bool:
    if isinstance(logged, bool) or isinstance(replayed, bool):
        return type(logged) is type(replayed) and logged == replayed  # True is a label, not the number 1
    if is_number(logged) and is_number(replayed):
        if isinstance(logged, int) and isinstance(replayed, int):
            return logged == replayed  # class ids are labels: 2 is never "close to" 3
        try:
            return math.isclose(float(logged), float(replayed), rel_tol=rel_tol, abs_tol=abs_tol)
        except OverflowError:  # an integer beyond any float: only equality can tell
            return logged == replayed
    if isinstance(logged, list) and isinstance(replayed, list):
        return len(logged) == len(replayed) and all(
            outputs_match(a, b, abs_tol=abs_tol, rel_tol=rel_tol) for a, b in zip(logged, replayed, strict=False)
        )
    if isinstance(logged, dict) and isinstance(replayed, dict):
        return logged.keys() == replayed.keys() and all(
            outputs_match(logged[k], replayed[k], abs_tol=abs_tol, rel_tol=rel_tol) for k in logged
        )
    return logged == replayed


def output_diff(logged: Any, replayed: Any) -> dict[str, Any]:
    diff: dict[str, Any] = {"logged": logged, "replayed": replayed}
    if is_number(logged) and is_number(replayed):
        try:
            diff["delta"] = float(replayed) - float(logged)
        except OverflowError:
            pass
    return diff


def non_finite(value: Any) -> bool:
    """NaN and infinities cannot be stored as JSON (PostgreSQL's jsonb refuses them)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(non_finite(item) for item in value)
    if isinstance(value, dict):
        return any(non_finite(item) for item in value.values())
    return False


def has_nul(value: Any) -> bool:
    """PostgreSQL cannot store a NUL character in text or JSON."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False
