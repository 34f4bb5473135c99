from typing import Any

from django import template
from django.utils import timezone

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
