"""`{% load human %}`: the template side of apps.core.humanize, so every page formats numbers,
durations, dates, plurals and JSON objects the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.core import humanize

register = template.Library()


@register.filter
def number(value: Any, digits: int = 4) -> str:
    """`{{ 2.1799999999999997|number }}` → 2.18; `{{ 625000.0|number }}` → 625,000."""
    return humanize.number(value, int(digits))


@register.filter
def duration(value: Any) -> str:
    """`{{ postmortem.impact_duration|duration }}` → 8 days 20 h."""
    return humanize.duration(value)


@register.filter
def percentile(value: float | None) -> str:
    """`{{ check.percentile|percentile }}` → 12th percentile, bottom 0.1 %."""
    return humanize.percentile(value)


@register.filter
def counted(count: int | None, nouns: str) -> str:
    """`{{ n|counted:"report" }}` → 2 reports; `{{ n|counted:"reply,replies" }}` for irregular plurals."""
    singular, _, plural = nouns.partition(",")
    return humanize.counted(count, singular, plural or None)


@register.filter(name="value")
def json_value(data: Any) -> str:
    """Any JSON value without Python reprs: `{"surface": "cellar-page"}`, true, 2.18."""
    return humanize.value(data)


@register.filter
def flag_label(flag: str | None) -> str:
    """`{{ flag|flag_label }}`: a forensics flag code in words ("unusual combination")."""
    return humanize.flag_label(flag)


@register.filter
def datetime_abs(value: datetime | None) -> str:
    """One absolute format, 24-hour clock: 2026-12-06 21:05."""
    return humanize.date_time(value)


@register.filter(is_safe=True)
def when(value: datetime | None) -> SafeString | str:
    """`{{ report.created_at|when }}`: "3 h ago", with the absolute time on hover and in the
    machine-readable `datetime` attribute."""
    if value is None:
        return humanize.DASH
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), humanize.date_time(value),
                       humanize.relative(value))


@register.filter(is_safe=True)
def pairs(data: Any) -> SafeString | str:
    """A JSON object as a definition list (`surface` cellar-page), not a Python dict."""
    rows = humanize.pairs(data)
    if not rows:
        return humanize.DASH
    return format_html('<dl class="kv">{}</dl>', format_html_join(
        "", "<div><dt>{}</dt><dd>{}</dd></div>", ((key or "value", text) for key, text in rows)))


@register.filter(is_safe=True)
def code_spans(text: str | None) -> SafeString | str:
    """A message that names things in backticks ("`proline` = 1,000× …"): the names in code
    type, the rest escaped, and never the backticks themselves."""
    if not text:
        return ""
    parts = str(text).split("`")
    return format_html_join("", "{}", ((format_html("<code>{}</code>", part) if index % 2 else part,)
                                       for index, part in enumerate(parts)))
