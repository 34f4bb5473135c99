"""Redaction of sensitive features. A redacted feature keeps its name, so people see that it
was there, but its value is replaced by a marker before anything is stored."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

REDACTED = "[redacted]"


def redact(features: Mapping[str, Any], names: Collection[str]) -> dict[str, Any]:
    """A copy of `features` with the values of `names` replaced by the marker (features that are
    absent stay absent). Returns `features` itself when there is nothing to redact."""
    if not names or not any(name in features for name in names):
        return features  # type: ignore[return-value]
    wanted = names if isinstance(names, (set, frozenset)) else set(names)
    return {name: REDACTED if name in wanted else value for name, value in features.items()}


def redacted_names(features: Mapping[str, Any]) -> list[str]:
    """Features whose stored value is the marker, i.e. whose real value was never stored."""
    return sorted(name for name, value in features.items() if is_redacted(value))


def is_redacted(value: Any) -> bool:
    return isinstance(value, str) and value == REDACTED
