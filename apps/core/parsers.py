"""JSON parsing with explicit limits. Django only enforces DATA_UPLOAD_MAX_MEMORY_SIZE when
`request.body` is read, and DRF streams JSON past it, so the limit is enforced here; deeply
nested documents would otherwise blow Python's recursion limit and become a 500."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .problems import PayloadTooLarge

MAX_JSON_DEPTH = 32

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_ANY_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


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
        # json.loads turns an unpaired surrogate escape into a string no database (and no UTF-8
        # response) can hold; paired ones, as Python's json.dumps writes emoji, are fine.
        if _SURROGATE_ESCAPE.search(text) and _has_unpaired_surrogate(text):
            raise ParseError("Strings must be valid Unicode: a \\ud800-\\udfff escape must be half of a "
                             "surrogate pair.")
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


def _has_unpaired_surrogate(text: str) -> bool:
    """Walks the escape sequences only (`\\\\` is consumed as one, so an escaped backslash
    before "ud800" is not mistaken for an escape)."""
    high_ends_at = None  # where the last high surrogate escape ended, if still unpaired
    for match in _ANY_ESCAPE.finditer(text):
        token = match.group(1)
        code = int(token[1:], 16) if len(token) == 5 else None
        if high_ends_at is not None and not (code is not None and 0xDC00 <= code <= 0xDFFF
                                             and match.start() == high_ends_at):
            return True
        if code is not None and 0xDC00 <= code <= 0xDFFF and high_ends_at is None:
            return True
        high_ends_at = match.end() if code is not None and 0xD800 <= code <= 0xDBFF else None
    return high_ends_at is not None


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
