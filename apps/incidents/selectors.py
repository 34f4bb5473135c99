from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Q, QuerySet

from apps.accounts.access import user_access
from apps.core.errors import NotFound, PermissionDenied

from .models import Incident


def incidents_naming(user_id: int) -> QuerySet:
    """Ids of the restricted incidents that name this user. Only while restricted: the names
    are there for the restriction, and lifting it gives them nothing beyond what everyone has."""
    return (Incident.restricted_to.through.objects.filter(user_id=user_id, incident__restricted=True)
            .values("incident_id"))


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


def incident_neutral_title(incident: Incident) -> str:
    """What readers outside the team read: the team's public title, else model and number."""
    return incident.public_title or f"Incident #{incident.pk} on {incident.model.name}"


def incidents_as_seen_by(*, user, incidents: Iterable[Incident]) -> list[Incident]:
    """The incidents with the title `user` may read (in place; never saved). An incident's title
    is its first report's title, and that report is withheld from readers outside the team:
    they read `incident_neutral_title`. The team, the people a restricted incident names (who
    see its reports) and admins read the title itself."""
    incidents = list(incidents)
    access = user_access(user)
    if access.is_admin:
        return incidents
    outside = [incident for incident in incidents
               if not (access.is_authenticated and access.can_work_on_team(incident.model.team_id))]
    if access.is_authenticated and any(incident.restricted for incident in outside):
        naming = set(incidents_naming(access.user_id).values_list("incident_id", flat=True))
        outside = [incident for incident in outside if incident.pk not in naming]
    for incident in outside:
        incident.title = incident_neutral_title(incident)
    return incidents


def incident_list(*, user) -> QuerySet[Incident]:
    """Each with `report_count`, `reporter_count` and `first_seen` / `last_seen` (when its
    first and latest reports were filed)."""
    queryset = (Incident.objects.select_related("model", "owner", "fixed_in_version")
                .prefetch_related("restricted_to"))
    visible = incident_visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    return (queryset.annotate(report_count=Count("reports", distinct=True),
                              reporter_count=Count("reports__reporter", distinct=True),
                              first_seen=Min("reports__created_at"), last_seen=Max("reports__created_at"))
            .order_by("-created_at", "-id"))


@dataclass(frozen=True)
class IncidentCounts:
    """"Many people say it is a bug", in numbers: for pages that show an incident's size."""

    reports: int
    reporters: int
    first_seen: datetime | None
    last_seen: datetime | None


def incident_counts(*, incident_id: int) -> IncidentCounts:
    """The report and reporter counts of one incident (the caller has already checked that the
    user may see the incident; like the incident page, the counts cover every report)."""
    row = Incident.objects.filter(pk=incident_id).aggregate(
        report_total=Count("reports", distinct=True), reporter_total=Count("reports__reporter", distinct=True),
        first=Min("reports__created_at"), last=Max("reports__created_at"))
    return IncidentCounts(reports=row["report_total"], reporters=row["reporter_total"], first_seen=row["first"],
                          last_seen=row["last"])


def incident_versions_involved(*, incidents: Iterable[Incident]) -> dict[int, list[str]]:
    """The model versions each incident's reports came from, oldest registration first (the
    order regressions are judged by). One query for a whole page of incidents."""
    from apps.reports.models import Report

    ids = [incident.pk for incident in incidents]
    # No ordering: a report's default ordering would join DISTINCT and list a version once per
    # report ("1.0, 1.0").
    rows = (Report.objects.filter(incident_id__in=ids)
            .values_list("incident_id", "model_version__version", "model_version__created_at", "model_version_id")
            .order_by().distinct())
    involved: dict[int, list[tuple]] = {incident_id: [] for incident_id in ids}
    for incident_id, version, created_at, version_id in rows:
        involved[incident_id].append((created_at, version_id, version))
    return {incident_id: [version for *_, version in sorted(found)] for incident_id, found in involved.items()}


def incident_merge_candidates(*, user, incident: Incident) -> list[Incident]:
    """Incidents the user could merge `incident` (or move its reports) into: the same model,
    still taking reports, and theirs to change."""
    from .models import IncidentStatus

    candidates = (incident_list(user=user).filter(model_id=incident.model_id).exclude(pk=incident.pk)
                  .exclude(status__in=[IncidentStatus.CLOSED, IncidentStatus.DUPLICATE]))
    return [candidate for candidate in candidates[:200] if incident_can_work(user=user, incident=candidate)]


def incident_get(*, user, incident_id: int) -> Incident:
    incident = incident_list(user=user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"There is no incident {incident_id}, or you may not see it.")
    return incidents_as_seen_by(user=user, incidents=[incident])[0]


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
