"""Range strips: where each input value sits on its training range, as a picture. The report
page draws one per numeric feature — the training range, the p1–p99 band and the middle half,
the median, and the report's value (pinned to an edge, with an arrow, when it lies far
outside) — so the odd input is seen before it is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.core.humanize import flag_label, number, percentile, percentile_phrase
from apps.core.humanize import value as human_value
from apps.registry.reference_checks import is_number

# How far outside the training range the scale stretches to show the value in place; beyond
# that the value is drawn at the edge with an arrow (a value 1,000× too large would otherwise
# squash the whole training range into a pixel).
_STRETCH = 0.5


@dataclass(frozen=True)
class Strip:
    """Positions are percentages of the strip's width."""

    range_left: float
    range_width: float
    band_left: float | None
    band_width: float | None
    middle_left: float | None
    middle_width: float | None
    median_at: float | None
    value_at: float
    beyond: str  # "" when the value is drawn in place, else "below" or "above"


@dataclass(frozen=True)
class InputRow:
    """One input of a report, as the page shows it."""

    feature: str
    value_text: str
    flags: list[str]
    message: str
    suspicious: bool
    median_text: str
    range_text: str
    percentile_text: str
    strip: Strip | None
    description: str  # the strip in words, for screen readers and the hover title
    badges: tuple[str, ...] = ()  # the flags in words
    suggestion_text: str = ""  # the repair a finding suggests, in words


def suggestion_text(suggestion: dict[str, Any] | None) -> str:
    if not suggestion:
        return ""
    return "Suggested: " + ", ".join(f"`{name}` = {human_value(value)}" for name, value in suggestion.items())


def _quantile(ref: dict[str, Any], key: str) -> float | None:
    found = (ref.get("quantiles") or {}).get(key)
    return float(found) if is_number(found) else None


def strip_for(value: Any, ref: dict[str, Any]) -> Strip | None:
    """The strip of one numeric value against its reference statistics, or None when there is
    nothing to draw (a category, a missing value, no training range)."""
    low, high = ref.get("min"), ref.get("max")
    if not (is_number(value) and is_number(low) and is_number(high)):
        return None
    span = (high - low) or abs(high) or 1.0
    lo, hi = low - span * 0.05, high + span * 0.05
    beyond = ""
    if value < low - span * _STRETCH:
        beyond = "below"
        lo = low - span * 0.15
    elif value > high + span * _STRETCH:
        beyond = "above"
        hi = high + span * 0.15
    else:
        lo, hi = min(lo, value), max(hi, value)
    width = hi - lo

    def at(x: float) -> float:
        return round(max(0.0, min(100.0, (x - lo) / width * 100)), 2)

    def segment(start: float | None, end: float | None) -> tuple[float | None, float | None]:
        if start is None or end is None:
            return None, None
        return at(start), round(at(end) - at(start), 2)

    band_left, band_width = segment(_quantile(ref, "0.01"), _quantile(ref, "0.99"))
    middle_left, middle_width = segment(_quantile(ref, "0.25"), _quantile(ref, "0.75"))
    median = _quantile(ref, "0.5") if _quantile(ref, "0.5") is not None else ref.get("median")
    return Strip(range_left=at(low), range_width=round(at(high) - at(low), 2), band_left=band_left,
                 band_width=band_width, middle_left=middle_left, middle_width=middle_width,
                 median_at=at(median) if is_number(median) else None,
                 value_at=0.0 if beyond == "below" else 100.0 if beyond == "above" else at(value), beyond=beyond)


def input_rows(*, checks: list[dict[str, Any]], reference: dict[str, Any]) -> list[InputRow]:
    """The report's input checks (most suspicious first) as page rows with their strips."""
    features = reference.get("features") or {}
    rows = []
    for check in checks:
        # The check carries min, max and median; the stored reference adds the quantiles.
        ref = {**(features.get(check["feature"]) or {}), **(check.get("reference") or {})}
        strip = strip_for(check.get("value"), ref)
        value_text = human_value(check.get("value"))
        low, high = ref.get("min"), ref.get("max")
        range_text = f"{number(low)} – {number(high)}" if is_number(low) and is_number(high) else ""
        known = check.get("percentile") is not None
        where = percentile_phrase(check["percentile"]) if known else ""
        description = (f"{check['feature']} = {value_text}"
                       + (f", {where}" if where else "")
                       + (f"; training range {range_text}, median {number(ref.get('median'))}" if range_text else ""))
        rows.append(InputRow(
            feature=check["feature"], value_text=value_text, flags=list(check.get("flags") or []),
            message=check.get("message") or "",
            suspicious=bool(check.get("flags")) and "redacted" not in (check.get("flags") or []),
            median_text=number(ref.get("median")) if is_number(ref.get("median")) else "—",
            range_text=range_text or "—", percentile_text=percentile(check["percentile"]) if known else "—",
            strip=strip, description=description, badges=tuple(flag_label(flag) for flag in check.get("flags") or []),
            suggestion_text=suggestion_text(check.get("suggestion"))))
    return rows
