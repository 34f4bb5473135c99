from __future__ import annotations

from typing import Any

from django.db import models

from apps.core.request_context import current_request_context

from .models import AuditEvent


def audit_record(*, actor, action: str, target: models.Model, old: dict[str, Any] | None = None,
                 new: dict[str, Any] | None = None) -> AuditEvent:
    """Called inside the service's transaction, so the event and the change commit together."""
    context = current_request_context()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else "system",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        old=old or {},
        new=new or {},
        token_label=context.token_label,
        request_id=context.request_id,
        client_request_id=context.client_request_id,
    )
