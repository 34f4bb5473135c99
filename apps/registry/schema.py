"""A version's feature schema: `{"features": [{"name", "type", "categories"?}]}`, and the
check of one input against it."""

from __future__ import annotations

from typing import Any

from apps.core.errors import InvalidInput

from .redaction import is_redacted

FEATURE_TYPES = ("number", "integer", "string", "boolean")


def validate_schema_document(schema: Any) -> None:
    if not isinstance(schema, dict) or not isinstance(schema.get("features"), list):
        raise InvalidInput('The schema must be an object like {"features": [{"name": ..., "type": ...}]}.',
                           errors={"schema": ["Expected an object with a 'features' list."]})
    names = set()
    for index, feature in enumerate(schema["features"]):
        if not isinstance(feature, dict) or not isinstance(feature.get("name"), str):
            raise InvalidInput(f"Schema feature #{index} needs a 'name'.",
                               errors={"schema": ["Feature without a name."]})
        if feature.get("type") not in FEATURE_TYPES:
            raise InvalidInput(f"Schema feature '{feature['name']}' has type {feature.get('type')!r}; "
                               f"use one of {', '.join(FEATURE_TYPES)}.", errors={"schema": ["Unknown feature type."]})
        if feature["name"] in names:
            raise InvalidInput(f"Schema feature '{feature['name']}' is listed twice.",
                               errors={"schema": ["Duplicate feature."]})
        names.add(feature["name"])


def _matches_type(value: Any, expected: str) -> bool:
    if value is None:
        return True  # missing values are reported by forensics, not refused
    if is_redacted(value):
        return True  # the value was never stored (a redacted feature): nothing to check
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


def feature_problems(schema: dict[str, Any], features: dict[str, Any]) -> dict[str, list[str]]:
    """Per-feature messages for unknown, missing and mistyped features (empty when it fits)."""
    declared = {feature["name"]: feature for feature in schema.get("features", [])}
    if not declared:
        return {}
    problems: dict[str, list[str]] = {}
    for name in features:
        if name not in declared:
            problems[f"features.{name}"] = ["Unknown feature: this model version does not take it."]
    for name, feature in declared.items():
        if name not in features:
            problems[f"features.{name}"] = ["Missing feature."]
        elif not _matches_type(features[name], feature["type"]):
            problems[f"features.{name}"] = [
                f"Expected a {feature['type']}, got {type(features[name]).__name__} ({features[name]!r:.40})."
            ]
    return problems
