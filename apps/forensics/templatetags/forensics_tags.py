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
