"""When an incident was resolved, whether it came back: read from the audit trail, which holds
every status move with its time (the incident row keeps only its current status). SQL
expressions for a queryset of incidents, so lists and insights count in the database."""

from __future__ import annotations

from django.db.models import CharField, DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from apps.audit.models import AuditEvent

from .models import IncidentStatus

INCIDENT_TARGET = "incidents.incident"
RESOLVED_NOW = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


def _events_of_outer_incident(*actions: str) -> QuerySet[AuditEvent]:
    # `target_id` is text (it names any model's row): compare it with the id cast to text, which
    # keeps the (target_type, target_id, created_at) index usable.
    return AuditEvent.objects.filter(target_type=INCIDENT_TARGET, action__in=actions,
                                     target_id=Cast(OuterRef("pk"), output_field=CharField()))


def resolutions() -> QuerySet[AuditEvent]:
    return _events_of_outer_incident("incident.transition").filter(new__status=IncidentStatus.RESOLVED)


def resolutions_between(start, end) -> QuerySet[AuditEvent]:
    """Every move of any incident to resolved in [start, end] (not correlated: for a prefilter)."""
    return AuditEvent.objects.filter(target_type=INCIDENT_TARGET, action="incident.transition",
                                     new__status=IncidentStatus.RESOLVED, created_at__gte=start, created_at__lte=end)


def last_resolved_at() -> Subquery:
    """The time of the incident's latest move to resolved (null if it never was). Callers pair it
    with `status__in=RESOLVED_NOW`: an incident reopened since is not resolved."""
    return Subquery(resolutions().order_by("-created_at", "-id").values("created_at")[:1],
                    output_field=DateTimeField())


def ever_resolved() -> Exists:
    return Exists(resolutions())


def reopened() -> Exists:
    """Reopened after a resolution or a close: by hand (a move from resolved or closed to open)
    or by a regression report."""
    by_hand = _events_of_outer_incident("incident.transition").filter(
        new__status=IncidentStatus.OPEN, old__status__in=list(RESOLVED_NOW))
    return Exists(by_hand) | Exists(_events_of_outer_incident("incident.regression"))


def regressed() -> Exists:
    """A report from the fix's version (or a later one) reopened it: the fix did not hold."""
    return Exists(_events_of_outer_incident("incident.regression"))


def resolved_between(start, end) -> Q:
    """Resolved now, its latest resolution in [start, end]; for a queryset annotated with
    `resolved_at=last_resolved_at()`."""
    return Q(status__in=RESOLVED_NOW, resolved_at__gte=start, resolved_at__lte=end)
