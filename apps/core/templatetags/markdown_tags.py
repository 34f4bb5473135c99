from django import template
from django.utils.safestring import SafeString

from apps.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown", is_safe=True)
def markdown_filter(value: str | None) -> SafeString:
    """`{{ text|markdown }}`: CommonMark, sanitized (see apps.core.markdown)."""
    return render_markdown(value)
