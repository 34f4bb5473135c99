"""Does a replayed output match the logged one? Labels must be equal; numbers may differ
within the model's tolerance (floating point differs between machines and library builds)."""

from __future__ import annotations

import math
from typing import Any


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def outputs_match(logged: Any, replayed: Any, *, abs_tol: float, rel_tol: float) -> bool:
    if _is_number(logged) and _is_number(replayed):
        return math.isclose(float(logged), float(replayed), rel_tol=rel_tol, abs_tol=abs_tol)
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
    if _is_number(logged) and _is_number(replayed):
        diff["delta"] = float(replayed) - float(logged)
    return diff
