"""JSON parsing with explicit limits. Django only enforces DATA_UPLOAD_MAX_MEMORY_SIZE when
`request.body` is read, and DRF streams JSON past it, so the limit is enforced here; deeply
nested documents would otherwise blow Python's recursion limit and become a 500.

The inference log sends megabytes of JSON per request, so the checks work on the raw bytes
with C-speed bytes operations (replace, split, translate) rather than a Python hook per number
or a Python walk over every value, and documents are read with orjson, several times faster
than the json module. Whatever orjson refuses, or might read differently (integers beyond 64
bits), goes to the json module, so the answers and the error messages are json's."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# What the checks need from outside strings: quotes (to find the strings), brackets (nesting),
# and numbers with their separators (overflow); everything else is dropped first, so that
# splitting on quotes handles as few bytes as possible.
_STRUCTURE = b'"[]{}0123456789eE+-.,:'
_ALL_BUT_STRUCTURE = bytes(byte for byte in range(256) if byte not in _STRUCTURE)
_ALL_BUT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789E", b"000000000e")
_ANY_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def read_limited(stream, limit: int | None = None) -> bytes:
    # Imported here: problems imports DRF's views, which import this module through the
    # DEFAULT_PARSER_CLASSES setting, so a top-level import is circular when this loads first.
    from .problems import PayloadTooLarge

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(
            f"The request body is larger than {limit} bytes; send fewer rows per request."
        )
    return data


def _without_escaped_backslashes(raw: bytes) -> bytes:
    """Removes each escaped backslash pair, left to right as a JSON reader pairs them: every
    backslash left over starts a real escape. (UTF-8 continuation bytes are never ASCII, so
    bytes operations are exact on any valid document.)"""
    return raw.replace(b"\\\\", b"")


def _structure_outside_strings(unescaped: bytes) -> bytes:
    """Brackets, numbers and their separators, with every string literal removed. Without
    escaped quotes, every remaining quote opens or closes a string."""
    reduced = unescaped.replace(b'\\"', b"").translate(None, _ALL_BUT_STRUCTURE)
    return b"".join(reduced.split(b'"')[::2])


def _loads(raw: bytes, text: str, structure: bytes) -> Any:
    shape = structure.translate(_DIGITS_AS_ZERO)
    # orjson reads an integer beyond 64 bits as a float (json keeps it exact): 19 digits or more
    # in a row go to json. Everything orjson refuses does too, for json's verdict and message.
    if b"0" * 19 not in shape:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    # A float literal only overflows to infinity with an exponent of three digits or more, or
    # with so many digits that 10**99 (the largest two-digit exponent) pushes it over; only
    # then is the per-number hook (a Python call per float) needed.
    may_overflow = b"e000" in shape or b"e+000" in shape or b"0" * 200 in shape
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float if may_overflow else None)


def _nested_too_deeply(structure: bytes) -> bool:
    brackets = structure.translate(None, _ALL_BUT_BRACKETS)
    if len(brackets) <= 2 * MAX_JSON_DEPTH:  # not enough brackets to open MAX_JSON_DEPTH + 1
        return False
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def loads_checked(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        unescaped = _without_escaped_backslashes(raw)
        # PostgreSQL cannot store NUL in text or jsonb; refuse it here rather than fail on save.
        if b"\\u0000" in unescaped:
            raise ParseError("Strings must not contain NUL characters (\\u0000).")
        # json.loads turns an unpaired surrogate escape into a string no database (and no UTF-8
        # response) can hold; paired ones, as Python's json.dumps writes emoji, are fine.
        if _SURROGATE_ESCAPE.search(text) and _has_unpaired_surrogate(text):
            raise ParseError("Strings must be valid Unicode: a \\ud800-\\udfff escape must be half of a "
                             "surrogate pair.")
        structure = _structure_outside_strings(unescaped)
        # Before parsing, so that a depth bomb never reaches the recursive parser.
        if _nested_too_deeply(structure):
            raise ParseError(f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).")
        data = _loads(raw, text, structure)
    except UnicodeDecodeError as exc:
        raise ParseError("The body is not UTF-8 encoded.") from exc
    except RecursionError as exc:
        raise ParseError(f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from exc
    except ValueError as exc:
        raise ParseError(f"The body is not valid JSON: {exc}") from exc
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
