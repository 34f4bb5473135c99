"""The API's JSON parser refuses what the database cannot store or what would crash the
parser, with a 400, and parses everything else exactly as json.loads does. Its checks work on
the raw bytes for speed; these tests pin them against the plain definitions."""

import json
import math
import random

import pytest
from rest_framework.exceptions import ParseError

from apps.core.parsers import MAX_JSON_DEPTH, loads_checked


def _nested(depth: int, inner: str = "1") -> str:
    text = inner
    for level in range(depth):
        text = f'{{"k{level}": {text}}}' if level % 2 else f"[{text}]"
    return text


def _same(parsed, document: str) -> bool:
    """Equal to what json.loads reads, types included (1 and 1.0 differ here)."""
    return json.dumps(parsed) == json.dumps(json.loads(document))


def _depth(value, depth: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, depth + 1) for v in value.values()), default=depth + 1)
    if isinstance(value, list):
        return max((_depth(v, depth + 1) for v in value), default=depth + 1)
    return depth


@pytest.mark.parametrize("depth", [1, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH])
def test_documents_up_to_the_depth_limit_parse(depth):
    assert _depth(loads_checked(_nested(depth).encode())) == depth


@pytest.mark.parametrize("text", [_nested(MAX_JSON_DEPTH + 1), _nested(MAX_JSON_DEPTH + 1, "[]"),
                                  _nested(5000), "[" * 100_000])
def test_deeper_documents_are_refused(text):
    with pytest.raises(ParseError, match="nested too deeply|not valid JSON"):
        loads_checked(text.encode())


def test_brackets_and_quotes_inside_strings_do_not_count_as_nesting():
    tricky = ['[[[[{{{{' * 10, 'say \\"[[[\\" twice', "back\\\\", '\\\\"]]]]', "\\\\\\\"[", "ü[é{", "👋"]
    document = json.dumps([{"s": value, "n": [[1]]} for value in tricky] * 3)
    assert _same(loads_checked(document.encode()), document)
    wrapped = json.dumps(_depth_wrap(json.loads(document), MAX_JSON_DEPTH - 4))  # it is 4 deep
    assert _same(loads_checked(wrapped.encode()), wrapped)


def _depth_wrap(value, levels: int):
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "1.5E+400", "1e0400", "1" * 310 + ".0",
                                     "9" * 220 + "e99", "NaN", "Infinity", "-Infinity"])
def test_numbers_that_are_not_finite_are_refused(literal):
    with pytest.raises(ParseError):
        loads_checked(f'{{"x": [1, {literal}]}}'.encode())


@pytest.mark.parametrize("literal", ["1e308", "-1.7976931348623157e308", "1e-400", "1" * 400, "1" * 250 + ".0",
                                     "0.5e-07", "123456789012345678901234567890", "1e99", '"1e400"',
                                     "[" + ", ".join(["1234567"] * 40) + "]", "9223372036854775807",
                                     "9223372036854775808", "18446744073709551615", "18446744073709551616",
                                     "-9223372036854775809", "-0", "-0.0", "1E5", "5e-324", "0.1"])
def test_large_but_finite_numbers_parse_as_json_does(literal):
    document = f'{{"x": {literal}, "y": [{literal}]}}'
    parsed = loads_checked(document.encode())
    assert _same(parsed, document)
    assert not isinstance(parsed["x"], float) or math.isfinite(parsed["x"])


def test_random_documents_parse_exactly_as_json_loads():
    rng = random.Random(5)
    alphabet = ['"', "\\", "[", "]", "{", "}", "a", "é", "👋", " ", "\n", "e", "0"]

    def value(depth):
        kind = rng.randrange(7 if depth < 6 else 4)
        if kind == 0:
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))
        if kind == 1:
            return rng.uniform(-1e6, 1e6) * 10 ** rng.randrange(-300, 300)
        if kind == 2:
            return rng.choice([None, True, False, rng.randrange(-10**20, 10**20), rng.randrange(-2**63, 2**64),
                               rng.randrange(-10**30, 10**30)])
        if kind == 3:
            return rng.random()
        if kind in (4, 5):
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {"".join(rng.choice(alphabet) for _ in range(3)): value(depth + 1) for _ in range(rng.randrange(4))}

    for _ in range(300):
        document = json.dumps(value(0), ensure_ascii=rng.random() < 0.5)
        assert _same(loads_checked(document.encode()), document)


@pytest.mark.parametrize("text, message", [
    ('{"a": "x\\u0000"}', "NUL"),
    ('{"a": "\\ud83d"}', "surrogate"),
    ('{"a": "\\udc4b\\ud83d"}', "surrogate"),
    (b'{"a": "\xff"}', "UTF-8"),
    ('{"a": 1', "not valid JSON"),
    ('{"a": 1,}', "not valid JSON"),
    ('{"a": "tab\tinside"}', "not valid JSON"),  # a raw control character inside a string
    ('\ufeff[1]', "not valid JSON"),
    ('[1] [2]', "not valid JSON"),
])
def test_what_cannot_be_stored_or_read_is_refused_with_a_reason(text, message):
    with pytest.raises(ParseError, match=message):
        loads_checked(text if isinstance(text, bytes) else text.encode())


def test_escaped_text_that_only_looks_like_a_bad_escape_is_kept():
    document = r'{"a": "\\ud83d and \\u0000 are written out, not escapes", "b": "\ud83d\udc4b"}'
    assert _same(loads_checked(document.encode()), document)
