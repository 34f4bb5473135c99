"""Shape checks for logged inputs, shared by the inference log and reports."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_FEATURES = 1000
MAX_FEATURES_BYTES = 256 * 1024
MAX_ID_LENGTH = 200


def features_problem(features: Any) -> str | None:
    if not isinstance(features, dict):
        return f"Must be a JSON object of feature name → value, not {_json_type(features)}."
    if len(features) > MAX_FEATURES:
        return f"At most {MAX_FEATURES} features."
    for name, value in features.items():
        if len(name) > 200:
            return "Feature names are at most 200 characters."
        if isinstance(value, float) and not math.isfinite(value):
            return f"Feature '{name}' is not a finite number."
        if isinstance(value, (int,)) and not isinstance(value, bool) and abs(value) > 2**63:
            return f"Feature '{name}' is too large a number (more than 64 bits)."
    if len(json.dumps(features)) > MAX_FEATURES_BYTES:
        return f"The features take more than {MAX_FEATURES_BYTES // 1024} KiB."
    return None


def context_problem(context: Any) -> str | None:
    if not isinstance(context, dict):
        return f"Must be a JSON object, not {_json_type(context)}."
    if len(json.dumps(context)) > 16 * 1024:
        return "The context takes more than 16 KiB."
    return None


def output_problem(output: Any) -> str | None:
    if len(json.dumps(output)) > 64 * 1024:
        return "The output takes more than 64 KiB."
    if isinstance(output, int) and not isinstance(output, bool) and abs(output) > 2**63:
        return "The output is too large a number (more than 64 bits)."
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
