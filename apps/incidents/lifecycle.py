"""When an incident was resolved, whether it came back: read from the columns
`incident_transition` keeps on the incident (`resolved_at`, `reopened_count`,
`regression_count`; filled from the audit trail for older incidents by migration 0009).
Conditions for a queryset of incidents, so lists and insights count in the database without
looking up each incident's audit trail."""

from __future__ import annotations

from django.db.models import Q

from .models import IncidentStatus

RESOLVED_NOW = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


def resolved_now() -> Q:
    """Resolved (or closed since) and not reopened: it has a latest resolution that holds."""
    return Q(status__in=RESOLVED_NOW, resolved_at__isnull=False)


def resolved_between(start, end) -> Q:
    """Resolved now, its latest resolution in [start, end]."""
    return Q(status__in=RESOLVED_NOW, resolved_at__gte=start, resolved_at__lte=end)


def ever_resolved() -> Q:
    return Q(resolved_at__isnull=False)


def reopened() -> Q:
    """Reopened after a resolution or a close: by hand (a move from resolved or closed to open)
    or by a regression report."""
    return Q(reopened_count__gt=0)


def regressed() -> Q:
    """A report from the fix's version (or a later one) reopened it: the fix did not hold."""
    return Q(regression_count__gt=0)
