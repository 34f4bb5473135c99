from __future__ import annotations

from typing import Any

from django.db import models

from apps.core.request_context import current_request_context

from .actions import AuditAction
from .models import AuditEvent


def audit_record(*, actor, action: AuditAction, target: models.Model, old: dict[str, Any] | None = None,
                 new: dict[str, Any] | None = None) -> AuditEvent:
    """Called inside the service's transaction, so the event and the change commit together.
    `action` is one of `AuditAction` (apps/audit/actions.py); any other string is refused, so a
    typo fails the service instead of storing a code no filter or sentence knows."""
    try:
        action = AuditAction(action)
    except ValueError:
        raise ValueError(f"Unknown audit action {action!r}: declare it in apps/audit/actions.py and give it a "
                         "sentence in apps/audit/sentences.py.") from None
    context = current_request_context()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else "system",
        action=action.value,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        old=old or {},
        new=new or {},
        token_label=context.token_label,
        request_id=context.request_id,
        client_request_id=context.client_request_id,
    )
