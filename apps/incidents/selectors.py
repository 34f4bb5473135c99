from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.accounts.access import user_access
from apps.core.errors import NotFound, PermissionDenied

from .models import Incident


def incidents_naming(user_id: int) -> QuerySet:
    """Ids of the restricted incidents that name this user."""
    return Incident.restricted_to.through.objects.filter(user_id=user_id).values("incident_id")


def incident_visibility(user) -> Q | None:
    """Everyone signed in sees an incident's public outcome unless it is restricted; a
    restricted one is seen by the owning team, the people it names and admins. None means
    "everything"."""
    access = user_access(user)
    if access.is_admin:
        return None
    if not access.is_authenticated:
        return Q(pk__in=[])
    return Q(restricted=False) | Q(model__team_id__in=access.team_ids) | Q(pk__in=incidents_naming(access.user_id))


def incident_list(*, user) -> QuerySet[Incident]:
    queryset = Incident.objects.select_related("model", "owner").prefetch_related("restricted_to")
    visible = incident_visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    return (queryset.annotate(report_count=Count("reports", distinct=True),
                              reporter_count=Count("reports__reporter", distinct=True))
            .order_by("-created_at", "-id"))


def incident_get(*, user, incident_id: int) -> Incident:
    incident = incident_list(user=user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"There is no incident {incident_id}, or you may not see it.")
    return incident


def incident_can_work(*, user, incident: Incident) -> bool:
    """May change the incident: the owning team, the people a restricted incident names,
    admins, and (for a model no team owns) anyone who may see it."""
    access = user_access(user)
    if not access.is_authenticated:
        return False
    if access.is_admin or incident.model.team_id in access.team_ids:
        return True
    if incident.model.team_id is None and not incident.restricted:
        return True
    return incident.restricted and incident.restricted_to.filter(pk=access.user_id).exists()


def incident_get_for_work(*, user, incident_id: int) -> Incident:
    """The incident, if the user may change it: 404 when they may not even see it, 403 when
    they may only look."""
    incident = incident_get(user=user, incident_id=incident_id)
    if not incident_can_work(user=user, incident=incident):
        raise PermissionDenied(f"Only the team that owns '{incident.model.name}' and the people named on this "
                               "incident may change it.")
    return incident
