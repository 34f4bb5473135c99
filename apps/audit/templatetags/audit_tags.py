"""`{% load audit_tags %}`: audit events as sentences (apps.audit.sentences)."""

from django import template

from apps.audit import sentences
from apps.audit.models import AuditEvent

register = template.Library()


@register.filter
def sentence(event: AuditEvent) -> str:
    """`{{ event|sentence }}` → sam confirmed why #3 in the post-mortem of INC-6."""
    return sentences.event_sentence(event)


@register.filter
def phrase(event: AuditEvent) -> str:
    """`{{ event|phrase }}` → confirmed why #3 in the post-mortem of INC-6 (when the actor is shown apart)."""
    return sentences.event_phrase(event)


@register.filter
def changes(data: dict | None) -> str:
    """`{{ event.new|changes }}` → status: triaged, severity: high."""
    return sentences.change_summary(data)
