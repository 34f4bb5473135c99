"""JSON parsing with explicit limits. Django only enforces DATA_UPLOAD_MAX_MEMORY_SIZE when
`request.body` is read, and DRF streams JSON past it, so the limit is enforced here; deeply
nested documents would otherwise blow Python's recursion limit and become a 500."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .problems import PayloadTooLarge

MAX_JSON_DEPTH = 32


def read_limited(stream, limit: int | None = None) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(
            f"The request body is larger than {limit} bytes; send fewer rows per request."
        )
    return data


def json_depth(value: Any, depth: int = 0) -> int:
    if depth > MAX_JSON_DEPTH:
        return depth
    if isinstance(value, dict):
        return max((json_depth(v, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((json_depth(v, depth + 1) for v in value), default=depth + 1)
    return depth


def loads_checked(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        # PostgreSQL cannot store NUL in text or jsonb; refuse it here rather than fail on save.
        if "\\u0000" in text.lower():
            raise ParseError("Strings must not contain NUL characters (\\u0000).")
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise ParseError("The body is not UTF-8 encoded.") from exc
    except RecursionError as exc:
        raise ParseError(f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from exc
    except ValueError as exc:
        raise ParseError(f"The body is not valid JSON: {exc}") from exc
    if json_depth(data) > MAX_JSON_DEPTH:
        raise ParseError(f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).")
    return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:30]} is too large a number")
    return value


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return loads_checked(read_limited(stream))


class NDJSONParser(JSONParser):
    """`application/x-ndjson`: one JSON object per line, parsed into a list."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = read_limited(stream)
        rows = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(loads_checked(line))
            except ParseError as exc:
                raise ParseError(f"Line {number}: {exc.detail}") from exc
        return rows
