from typing import Any

from django import template
from django.utils import timezone

from apps.core.humanize import number
from apps.forensics.drift import DISTANCE_THRESHOLD, P_VALUE_THRESHOLD
from apps.forensics.selectors import prevalence_message

register = template.Library()


@register.filter
def prevalence_text(finding: dict[str, Any]) -> str:
    """`{{ finding|prevalence_text }}`: "today's" on the day it was counted (in TIME_ZONE),
    its date on any later day."""
    return prevalence_message(finding=finding, today=timezone.localdate())


@register.filter
def bar_width(effect: float | None, rows: list[dict[str, Any]]) -> float:
    """`{{ row.effect|bar_width:rows }}`: the bar's length in % of the largest effect among the rows
    shown, so the attribution reads as a bar chart."""
    largest = max((abs(row.get("effect") or 0) for row in rows[:8]), default=0)
    if not largest or effect is None:
        return 0
    return round(abs(effect) / largest * 100, 1)


_DECIDERS = {
    # method: (name, the result's key, True when the statistic is a p-value)
    "ks": ("the KS test", "ks_p_value", True),
    "chi_square": ("the χ² test", "chi_square_p_value", True),
    "wasserstein": ("the normed Wasserstein distance", "wasserstein_normed", False),
    "jensen_shannon": ("the Jensen–Shannon distance", "jensen_shannon", False),
}


@register.filter
def drift_reason(result: dict[str, Any]) -> str:
    """Which statistic decided a feature's verdict, with its value against the threshold, so a
    PSI over 0.1 beside "no drift" does not read as a contradiction: "the KS test decides:
    p = 0.21, not below 0.05"."""
    decider = _DECIDERS.get(result.get("method") or "")
    if decider is None:
        return result.get("note") or "Not compared."
    name, key, is_p_value = decider
    value = result.get(key)
    if value is None:
        return f"{name} decides."
    shown = number(value, 3)
    if is_p_value:
        return f"{name} decides: p = {shown}, {'below' if result.get('drifted') else 'not below'} " \
               f"{number(P_VALUE_THRESHOLD)}"
    return f"{name} decides: {shown}, {'at or over' if result.get('drifted') else 'under'} " \
           f"{number(DISTANCE_THRESHOLD)}"


@register.filter
def share_percent(share: float | None) -> str:
    """`{{ 0.0243|share_percent }}` → "2.4 %" (a share of rows, for the drift report's joint view)."""
    if share is None:
        return "—"
    percent = share * 100
    return "0 %" if percent == 0 else f"{percent:.1f} %" if percent >= 0.1 else "under 0.1 %"
