from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.core.errors import NotFound

from .models import Incident


def incident_list(*, user) -> QuerySet[Incident]:
    return (Incident.objects.select_related("model", "owner")
            .annotate(report_count=Count("reports", distinct=True),
                      reporter_count=Count("reports__reporter", distinct=True))
            .order_by("-created_at", "-id"))


def incident_get(*, user, incident_id: int) -> Incident:
    incident = incident_list(user=user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"There is no incident {incident_id}, or you may not see it.")
    return incident
