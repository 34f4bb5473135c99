"""What the model answers with the repairs the input checks suggest — the value the other
features predict, a swapped pair swapped back, the category that goes with the rest — so the
report says not only what looks wrong but whether it matters. One batched predict through
the shared counterfactual machinery (`counterfactual.py`, used by the diagnosis too)."""

from __future__ import annotations

from typing import Any

from apps.registry.models import ModelVersion
from apps.registry.reference_checks import fmt, is_number, quoted

from .counterfactual import Variant, counterfactual_predict

MAX_REPAIRS = 3


def _describe(suggestion: dict[str, Any]) -> str:
    parts = [f"`{name}` = {fmt(float(value)) if is_number(value) else quoted(value)}"
             for name, value in suggestion.items()]
    return " and ".join(parts)


def repairs_for(*, version: ModelVersion, features: dict[str, Any], checks: list[dict[str, Any]],
                output: Any) -> list[dict[str, Any]]:
    """`[{"features", "suggestion", "label", "why", "output", "changes", "error"?}]` for the most
    suspicious findings with a suggestion (a swapped pair once), most suspicious first."""
    picked: list[dict[str, Any]] = []
    seen: set[frozenset] = set()
    for check in checks:
        suggestion = check.get("suggestion")
        if not suggestion or not check.get("flags") or frozenset(suggestion) in seen:
            continue
        seen.add(frozenset(suggestion))
        picked.append(check)
        if len(picked) == MAX_REPAIRS:
            break
    if not picked:
        return []
    variants = [Variant(label=_describe(check["suggestion"]), overrides=check["suggestion"]) for check in picked]
    results = counterfactual_predict(version=version, base=features, variants=variants)
    repairs = []
    for check, result in zip(picked, results, strict=True):
        repair = {"features": sorted(check["suggestion"]), "suggestion": check["suggestion"],
                  "label": result.variant.label, "flag": check["flags"][-1], "output": result.output,
                  "changes": result.ok and result.output != output}
        if not result.ok:
            repair["error"] = result.error
        repairs.append(repair)
    return repairs
