"""Audit events, as the services record them, for tests of what reads the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record


def audit_event(target: models.Model, action: str, *, actor=None, at: datetime | None = None,
                old: dict[str, Any] | None = None, new: dict[str, Any] | None = None) -> AuditEvent:
    """The event `audit_record` writes when `actor` (None: the system) does `action` to
    `target`; dated `at` when the test needs a history (events are append-only, so the date is
    set on the stored row, as time passing would)."""
    event = audit_record(actor=actor, action=action, target=target, old=old, new=new)
    if at is not None:
        AuditEvent.objects.filter(pk=event.pk).update(created_at=at)
        event = AuditEvent.objects.get(pk=event.pk)
    return event

