"""Values as people read them, in one place: numbers without float noise, durations in words,
relative dates, plurals, JSON values without Python reprs. Template filters (`core_tags`
`human`), selectors and serializers' display strings all call these, so a page never shows
`2.1799999999999997`, `{'surface': 'x'}` or `8 days, 20:00:00`."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

DASH = "—"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value: Any, digits: int = 4) -> str:
    """A number with thousands separators and at most `digits` significant digits after the
    integer part: 2.1799999999999997 → "2.18", 625000.0 → "625,000", 0.000012345 →
    "1.234 × 10⁻⁵". Whole numbers are never rounded away (1234567.8 → "1,234,568")."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        try:
            value = float(value) if any(ch in value for ch in ".eE") else int(value)
        except ValueError:
            return value
    if isinstance(value, int):
        return f"{value:,}"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(value):
        return "not a number"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10 ** digits:
        return f"{round(value):,}"
    if magnitude < 1e-4:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    text = f"{value:,.{digits}g}" if magnitude >= 1 else f"{value:.{digits}g}"
    if "e" in text:  # e.g. 12345.6 with 4 digits: fall back to the rounded whole number
        return f"{round(value):,}"
    return text


def ordinal(value: int) -> str:
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value:,}{suffix}"


def percentile(value: float | None) -> str:
    """Where a value sits in training, in words: "12th percentile", "bottom 0.1 %", "top 0.5 %"."""
    if value is None:
        return DASH
    if value <= 0:
        return "below every training value"
    if value >= 100:
        return "above every training value"
    if value < 1:
        return f"bottom {number(value, 2)} %"
    if value > 99:
        return f"top {number(100 - value, 2)} %"
    return f"{ordinal(round(value))} percentile"


def percentile_phrase(value: float | None) -> str:
    """The percentile in a sentence: "in the bottom 0.1 % of training", "at the 12th percentile
    of training", "above every training value"."""
    words = percentile(value)
    if words.startswith(("bottom", "top")):
        return f"in the {words} of training"
    if words.endswith("percentile"):
        return f"at the {words} of training"
    return words


def duration(value: timedelta | float | int | None) -> str:
    """The two largest units: "8 days 20 h", "3 h 5 min", "2 min 5 s", "45 s", "0.4 s"."""
    if value is None:
        return DASH
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "−" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 10:
        return f"{sign}{number(round(seconds, 1), 2)} s"
    whole = round(seconds)
    parts = []
    for size, unit, plural_unit in ((86400, " day", " days"), (3600, " h", " h"), (60, " min", " min"),
                                    (1, " s", " s")):
        amount, whole = divmod(whole, size)
        if amount:
            parts.append(f"{amount:,}{unit if amount == 1 else plural_unit}")
        if len(parts) == 2:
            break
    return sign + " ".join(parts[:2])


def date_time(value: datetime | None) -> str:
    """One absolute format everywhere: 24-hour clock, in the current time zone."""
    if value is None:
        return DASH
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else \
        value.strftime("%Y-%m-%d %H:%M")


def relative(value: datetime | None, *, now: datetime | None = None) -> str:
    """"just now", "5 min ago", "3 h ago", "4 days ago", "in 2 days"; past a month the date."""
    if value is None:
        return DASH
    now = now or timezone.now()
    delta = (now - value).total_seconds()
    future = delta < 0
    delta = abs(delta)
    if delta < 60:
        return "just now"
    if delta < 3600:
        text = f"{int(delta // 60)} min"
    elif delta < 86400:
        text = f"{int(delta // 3600)} h"
    elif delta < 86400 * 31:
        days = int(delta // 86400)
        text = f"{days} day{'s' if days != 1 else ''}"
    else:
        return timezone.localtime(value).strftime("%Y-%m-%d") if timezone.is_aware(value) else \
            value.strftime("%Y-%m-%d")
    return f"in {text}" if future else f"{text} ago"


def counted(count: int | None, noun: str, plural_noun: str | None = None) -> str:
    """"1 report", "2 reports", "1,204 predictions"; `plural_noun` for irregular plurals."""
    count = count or 0
    return f"{count:,} {noun if count == 1 else (plural_noun or noun + 's')}"


def value(data: Any) -> str:
    """Any JSON value as a person reads it: numbers formatted, text as it is, true/false,
    objects and lists as compact JSON — never a Python repr."""
    if data is None:
        return DASH
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, (int, float)):
        # A logged value is shown in full (7.654321 stays 7.654321); only float noise goes.
        return number(data, 10)
    if isinstance(data, str):
        return data
    try:
        return json.dumps(_rounded(data), ensure_ascii=False, separators=(", ", ": "), default=str)
    except (TypeError, ValueError):
        return str(data)


def _rounded(data: Any) -> Any:
    """Floats inside objects and lists without float noise (six significant digits)."""
    if isinstance(data, float) and math.isfinite(data):
        return float(f"{data:.6g}")
    if isinstance(data, dict):
        return {key: _rounded(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_rounded(item) for item in data]
    return data


# Forensics flags in words, for badges (the codes stay in the API and the stored checks). One
# vocabulary for every page that shows a flag: the report page, the post-mortem and its meeting.
FLAG_LABELS = {
    "above_max": "above the training max", "below_min": "below the training min",
    "scale_shift": "unit change", "default_value": "placeholder", "missing": "missing",
    "unseen_category": "unseen category", "unknown_feature": "unknown feature", "type_mismatch": "wrong type",
    "non_finite": "not a finite number", "redacted": "redacted", "swapped": "swapped features",
    "default_filled": "mean or median fill", "unusual_combination": "unusual combination",
    "inconsistent_with_others": "does not fit the others",
}


def flag_label(flag: str | None) -> str:
    """A forensics flag as a badge reads it: "unusual_combination" → "unusual combination",
    "swapped_with:magnesium" → "swapped with magnesium"; an unknown code loses its underscores."""
    if not flag:
        return ""
    code, _, detail = str(flag).partition(":")
    if code == "swapped_with" and detail:
        return f"swapped with {detail}"
    return FLAG_LABELS.get(code, code.replace("_", " "))


def pairs(data: Any) -> list[tuple[str, str]]:
    """A JSON object as (key, value) rows for a definition list; anything else as one row."""
    if isinstance(data, dict):
        return [(str(key), value(item)) for key, item in data.items()]
    if data in (None, "", [], {}):
        return []
    return [("", value(data))]
