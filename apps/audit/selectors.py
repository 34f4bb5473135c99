from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q, QuerySet

from apps.core.errors import PermissionDenied
from apps.core.people import is_admin

from .models import AuditEvent


def audit_events_for(*, target: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))


def audit_events_for_all(*, targets: list[models.Model]) -> QuerySet[AuditEvent]:
    """The events of several objects (of any types) in one query."""
    condition = Q(pk__in=[])
    for target in targets:
        condition |= Q(target_type=target._meta.label_lower, target_id=str(target.pk))
    return AuditEvent.objects.filter(condition)


def audit_search(*, user, text: str = "", action: str = "", target_type: str = "", actor: str = "",
                 request_id: str = "", since: date | None = None, until: date | None = None) -> QuerySet[AuditEvent]:
    """The whole audit trail, for admins."""
    if not is_admin(user):
        raise PermissionDenied("Only admins may search the audit trail.")
    events = AuditEvent.objects.all()
    if text:
        events = events.filter(Q(target_label__icontains=text) | Q(action__icontains=text)
                               | Q(actor_label__icontains=text) | Q(target_id=text))
    if action:
        events = events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if actor:
        events = events.filter(actor_label=actor)
    if request_id:  # the server's id, or the one the caller sent (which may match several requests)
        events = events.filter(Q(request_id=request_id) | Q(client_request_id=request_id))
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_target_types() -> list[str]:
    return list(AuditEvent.objects.order_by("target_type").values_list("target_type", flat=True).distinct())
