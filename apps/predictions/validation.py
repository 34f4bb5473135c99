"""Shape checks for logged inputs, shared by the inference log and reports.

The inference log runs these once per row on batches of thousands, so each check encodes its
value to JSON once and looks at the text; the encoded text is what the bulk path stores. Flat
features (the usual case: numbers, text, booleans, null) are checked in one pass over the values
and encoded with orjson, several times faster than the json module; anything nested goes through
the json module, which refuses NaN and Infinity at any depth (orjson would write them as null)."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

MAX_FEATURES = 1000
MAX_FEATURES_BYTES = 256 * 1024
MAX_CONTEXT_BYTES = 16 * 1024
MAX_OUTPUT_BYTES = 64 * 1024
MAX_ID_LENGTH = 200
MAX_FEATURE_NAME_LENGTH = 200

# Compact, UTF-8 rather than \u escapes, and no NaN/Infinity (PostgreSQL's jsonb refuses them).
# Parsed JSON cannot be circular, so the encoder need not keep track (a circular value from a
# caller in code fails with RecursionError, caught below).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                           check_circular=False).encode
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_INT64_MIN, _INT64_MAX = -(2**63), 2**63


def encode_json(value: Any) -> str:
    """The compact JSON text stored for `value` (raises ValueError/TypeError if it has none)."""
    return _encode(value)


def _too_big(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63


def _not_unicode(text: str) -> bool:
    # json.loads turns an unpaired "\ud800" escape into a lone surrogate, which no database
    # encoding can store: catch it here rather than fail the whole batch on save.
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_features(features: Any) -> tuple[str | None, str | None]:
    """(problem, encoded JSON): one of the two is None."""
    if not isinstance(features, dict):
        return f"Must be a JSON object of feature name → value, not {_json_type(features)}.", None
    if len(features) > MAX_FEATURES:
        return f"At most {MAX_FEATURES} features.", None
    if features and max(map(len, features)) > MAX_FEATURE_NAME_LENGTH:
        return f"Feature names are at most {MAX_FEATURE_NAME_LENGTH} characters.", None
    flat = True
    for name, value in features.items():
        kind = type(value)
        if kind is float:
            if not math.isfinite(value):
                return f"Feature '{name}' is not a finite number.", None
        elif kind is int:
            if not _INT64_MIN <= value <= _INT64_MAX:
                return f"Feature '{name}' is too large a number (more than 64 bits).", None
        elif kind not in _SCALAR_TYPES:
            flat = False
    not_unicode = "The features contain text that is not valid Unicode (an unpaired surrogate escape)."
    if flat:
        try:
            encoded = orjson.dumps(features).decode()
        except orjson.JSONEncodeError:  # a lone surrogate: UTF-8 cannot hold it
            return not_unicode, None
    else:
        try:
            encoded = _encode(features)
        except (ValueError, TypeError, RecursionError):
            return "Nested values must be finite numbers, text, booleans, null, lists or objects.", None
        if _not_unicode(encoded):
            return not_unicode, None
    if len(encoded) > MAX_FEATURES_BYTES:
        return f"The features take more than {MAX_FEATURES_BYTES // 1024} KiB.", None
    return None, encoded


def check_context(context: Any) -> tuple[str | None, str | None]:
    if not isinstance(context, dict):
        return f"Must be a JSON object, not {_json_type(context)}.", None
    try:
        encoded = _encode(context)
    except (ValueError, TypeError, RecursionError):
        return "Values must be finite numbers, text, booleans, null, lists or objects.", None
    if len(encoded) > MAX_CONTEXT_BYTES:
        return f"The context takes more than {MAX_CONTEXT_BYTES // 1024} KiB.", None
    if _not_unicode(encoded):
        return "The context contains text that is not valid Unicode (an unpaired surrogate escape).", None
    return None, encoded


def check_output(output: Any) -> tuple[str | None, str | None]:
    try:
        encoded = _encode(output)
    except (ValueError, TypeError, RecursionError):
        return "The output must be JSON: finite numbers, text, booleans, null, lists or objects.", None
    if len(encoded) > MAX_OUTPUT_BYTES:
        return f"The output takes more than {MAX_OUTPUT_BYTES // 1024} KiB.", None
    if _too_big(output):
        return "The output is too large a number (more than 64 bits).", None
    if _not_unicode(encoded):
        return "The output contains text that is not valid Unicode (an unpaired surrogate escape).", None
    return None, encoded


def features_problem(features: Any) -> str | None:
    return check_features(features)[0]


def context_problem(context: Any) -> str | None:
    return check_context(context)[0]


def output_problem(output: Any) -> str | None:
    return check_output(output)[0]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
