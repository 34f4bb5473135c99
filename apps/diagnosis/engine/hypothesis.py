"""A hypothesis as the engine builds it, and one check's record (contract keys: check, result,
supports; `ran` is False when the check could not run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hypothesis:
    kind: str
    confidence: float
    summary: str
    feature: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    counterfactual: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "confidence": round(min(max(self.confidence, 0.0), 1.0), 2),
                                "summary": self.summary, "checks": self.checks}
        if self.feature is not None:
            data["feature"] = self.feature
        if self.counterfactual is not None:
            data["counterfactual"] = self.counterfactual
        return data


@dataclass
class Outcome:
    summary: str
    hypotheses: list[dict[str, Any]]
    notes: list[dict[str, Any]]


def check(name: str, result: str, supports: bool, *, ran: bool = True) -> dict[str, Any]:
    return {"check": name, "result": result, "supports": supports, "ran": ran}
