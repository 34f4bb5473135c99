from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Max, Min, Q, QuerySet, Value, When

from apps.accounts.access import user_access
from apps.core.dates import day_end, day_start
from apps.core.errors import NotFound, PermissionDenied
from apps.core.listing import reference_number
from apps.registry.models import Model

from . import lifecycle
from .models import ACTIVE_STATUSES, Incident, Severity


def incidents_naming(user_id: int) -> QuerySet:
    """Ids of the restricted incidents that name this user. Only while restricted: the names
    are there for the restriction, and lifting it gives them nothing beyond what everyone has."""
    return (Incident.restricted_to.through.objects.filter(user_id=user_id, incident__restricted=True)
            .values("incident_id"))


@dataclass(frozen=True)
class ReaderLookups:
    """What the visibility rules look up beyond the row itself, read once for one reader: the
    models of the reader's teams, the models no team owns, and the restricted incidents naming
    the reader. Pages that repeat the rules in many queries (the insights: about twenty) settle
    them with these first, so that each query filters on the row's own columns instead of
    joining models and running the naming subquery again."""

    team_model_ids: tuple[int, ...]
    unowned_model_ids: tuple[int, ...]
    naming_incident_ids: tuple[int, ...]


def reader_lookups(user) -> ReaderLookups:
    access = user_access(user)
    if access.is_admin or not access.is_authenticated:  # the rules need nothing looked up
        return ReaderLookups(team_model_ids=(), unowned_model_ids=(), naming_incident_ids=())
    models = list(Model.objects.values_list("pk", "team_id"))
    naming = incidents_naming(access.user_id).values_list("incident_id", flat=True)
    return ReaderLookups(team_model_ids=tuple(pk for pk, team_id in models if team_id in access.team_ids),
                         unowned_model_ids=tuple(pk for pk, team_id in models if team_id is None),
                         naming_incident_ids=tuple(naming))


def incident_visibility(user, lookups: ReaderLookups | None = None) -> Q | None:
    """Everyone signed in sees an incident's public outcome unless it is restricted; a
    restricted one is seen by the owning team, the people it names and admins. None means
    "everything". With `lookups` (`reader_lookups`, read once), the same rule filters on the
    incident's own columns: no join to the models, no naming subquery, in each query repeating it."""
    access = user_access(user)
    if access.is_admin:
        return None
    if not access.is_authenticated:
        return Q(pk__in=[])
    if lookups is not None:
        return Q(restricted=False) | Q(model_id__in=lookups.team_model_ids) | Q(pk__in=lookups.naming_incident_ids)
    return Q(restricted=False) | Q(model__team_id__in=access.team_ids) | Q(pk__in=incidents_naming(access.user_id))


def incident_neutral_title(incident: Incident) -> str:
    """What readers outside the team read: the team's public title, else model and number."""
    return incident.public_title or f"Incident #{incident.pk} on {incident.model.name}"


def incident_titles_as_seen_by(*, user, incidents: Iterable[Incident]) -> dict[int, str]:
    """The title `user` may read of each incident, by id. An incident's title is its first
    report's title, and that report is withheld from readers outside the team: they read
    `incident_neutral_title`. The team, the people a restricted incident names (who see its
    reports) and admins read the title itself. At most one query."""
    incidents = list(incidents)
    titles = {incident.pk: incident.title for incident in incidents}
    access = user_access(user)
    if access.is_admin:
        return titles
    outside = [incident for incident in incidents
               if not (access.is_authenticated and access.can_work_on_team(incident.model.team_id))]
    if access.is_authenticated and any(incident.restricted for incident in outside):
        naming = set(incidents_naming(access.user_id).values_list("incident_id", flat=True))
        outside = [incident for incident in outside if incident.pk not in naming]
    for incident in outside:
        titles[incident.pk] = incident_neutral_title(incident)
    return titles


def incident_title_as_seen_by(*, user, incident: Incident) -> str:
    """The title `user` may read of one incident (see `incident_titles_as_seen_by`)."""
    return incident_titles_as_seen_by(user=user, incidents=[incident])[incident.pk]


@dataclass(frozen=True)
class IncidentListRow:
    """One incident as the list page shows it, titled as the reader may read it: the page
    renders rows, never incidents with a substituted title (a later save or cache would keep it)."""

    id: int
    title: str
    model: str
    status: str
    status_label: str
    severity: str
    severity_label: str
    report_count: int
    reporter_count: int
    owner: str  # username, "" for nobody
    last_seen: datetime | None
    created_at: datetime

    @property
    def pk(self) -> int:
        return self.id


def incident_list_rows(*, user, incidents: Iterable[Incident]) -> list[IncidentListRow]:
    """A page of `incident_list` (annotated) as rows for `user`."""
    incidents = list(incidents)
    titles = incident_titles_as_seen_by(user=user, incidents=incidents)
    return [IncidentListRow(id=incident.pk, title=titles[incident.pk], model=str(incident.model),
                            status=incident.status, status_label=incident.get_status_display(),
                            severity=incident.severity, severity_label=incident.get_severity_display(),
                            report_count=incident.report_count, reporter_count=incident.reporter_count,
                            owner=incident.owner.get_username() if incident.owner else "",
                            last_seen=incident.last_seen, created_at=incident.created_at)
            for incident in incidents]


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


_SEVERITY_RANK = Case(*(When(severity=value, then=Value(rank)) for rank, value in enumerate(
    (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW))), default=Value(9), output_field=IntegerField())
_ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "last_seen": ("-last_seen", "-id"),
    "reports": ("-report_count", "-id"),
    "severity": ("severity_rank", "-created_at", "-id"),
}


@dataclass(frozen=True)
class IncidentFilters:
    """What the incident list is narrowed to (the list page's GET form, or an API's query)."""

    q: str = ""
    status: str = ""  # a status, "active" (open to mitigated), or "" for any
    severity: str = ""
    model: str = ""  # a model's name
    team: str = ""  # the slug of the team that owns the model
    owner: str = ""  # "me", "none", a user id, or "" for anyone
    since: date | None = None
    until: date | None = None
    # Narrowings the insights' figures link with (the list shows them as "also narrowed to").
    version: str = ""  # a version string of the model: incidents with a report from it
    root_cause: str = ""  # the post-mortem's root-cause category; "none" for not yet recorded
    factor: str = ""  # a category among the post-mortem's contributing factors
    resolved_since: date | None = None  # resolved now, the latest resolution on or after
    resolved_until: date | None = None
    came_back: str = ""  # "reopened" (by hand or by a regression) or "regression"
    sort: str = "newest"


def incident_title_readable(user, lookups: ReaderLookups | None = None) -> Q | None:
    """The incidents whose own title `user` may read (see `incident_titles_as_seen_by`); a search
    must not match words of a title the reader is shown a neutral one for. None means all. With
    `lookups` (`reader_lookups`, read once), the same rule on the incident's own columns."""
    access = user_access(user)
    if access.is_admin:
        return None
    if not access.is_authenticated:
        return Q(pk__in=[])
    if lookups is not None:
        return (Q(model_id__in=lookups.unowned_model_ids) | Q(model_id__in=lookups.team_model_ids)
                | Q(pk__in=lookups.naming_incident_ids))
    return (Q(model__team__isnull=True) | Q(model__team_id__in=access.team_ids)
            | Q(pk__in=incidents_naming(access.user_id)))


def incident_list_filtered(*, user, filters: IncidentFilters) -> QuerySet[Incident]:
    """`incident_list` narrowed by the filters and sorted; the same annotations, one query a page."""
    queryset = incident_list(user=user)
    if filters.q:
        text = filters.q.strip()
        number = reference_number(text, "INC")
        readable = incident_title_readable(user)
        by_title = Q(title__icontains=text) if readable is None else (Q(title__icontains=text) & readable)
        match = by_title | Q(public_title__icontains=text) | Q(model__name__icontains=text)
        if number is not None:
            match |= Q(pk=number)
        queryset = queryset.filter(match)
    if filters.status == "active":
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.severity:
        queryset = queryset.filter(severity=filters.severity)
    if filters.model:
        queryset = queryset.filter(model__name=filters.model)
    if filters.team:
        queryset = queryset.filter(model__team__slug=filters.team)
    if filters.owner == "me":
        queryset = queryset.filter(owner_id=getattr(user, "pk", None))
    elif filters.owner == "none":
        queryset = queryset.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        queryset = queryset.filter(owner_id=int(filters.owner))
    if filters.since:
        queryset = queryset.filter(created_at__gte=day_start(filters.since))
    if filters.until:
        queryset = queryset.filter(created_at__lte=day_end(filters.until))
    queryset = _narrowed_by_history(queryset, filters)
    if filters.sort == "severity":
        queryset = queryset.annotate(severity_rank=_SEVERITY_RANK)
    return queryset.order_by(*_ORDERINGS.get(filters.sort, _ORDERINGS["newest"]))


def _narrowed_by_history(queryset: QuerySet[Incident], filters: IncidentFilters) -> QuerySet[Incident]:
    if filters.version:
        queryset = queryset.filter(pk__in=Incident.objects.filter(reports__model_version__version=filters.version)
                                   .values("pk"))
    if filters.root_cause == "none":
        queryset = queryset.filter(Q(postmortem__isnull=True) | Q(postmortem__root_cause_category=""))
    elif filters.root_cause:
        queryset = queryset.filter(postmortem__root_cause_category=filters.root_cause)
    if filters.factor:
        queryset = queryset.filter(pk__in=Incident.objects.filter(
            postmortem__contributing_factors__category=filters.factor).values("pk"))
    if filters.resolved_since or filters.resolved_until:
        queryset = queryset.filter(lifecycle.resolved_now())
        if filters.resolved_since:
            queryset = queryset.filter(resolved_at__gte=day_start(filters.resolved_since))
        if filters.resolved_until:
            queryset = queryset.filter(resolved_at__lte=day_end(filters.resolved_until))
    if filters.came_back == "reopened":
        queryset = queryset.filter(lifecycle.reopened())
    elif filters.came_back == "regression":
        queryset = queryset.filter(lifecycle.regressed())
    return queryset


def incident_filter_choices(*, user) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The models, owners and teams the list's filters offer: those of incidents the user sees."""
    visible = Incident.objects.all()
    scope = incident_visibility(user)
    if scope is not None:
        visible = visible.filter(scope)
    models = sorted(set(visible.values_list("model__name", "model__display_name")))
    owners = sorted({(str(pk), username) for pk, username in visible.filter(owner__isnull=False)
                     .values_list("owner_id", "owner__username")}, key=lambda pair: pair[1].lower())
    teams = sorted(set(visible.filter(model__team__isnull=False).values_list("model__team__slug", "model__team__name")),
                   key=lambda pair: pair[1].lower())
    return [(name, display or name) for name, display in models], owners, teams


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
    ids = [incident.pk for incident in incidents]
    # Through the reports' key to the incident (reverse name `reports`): the reports app sits
    # above this one. No ordering: an ordering would join DISTINCT and list a version once per
    # report ("1.0, 1.0").
    rows = (Incident.objects.filter(pk__in=ids, reports__isnull=False)
            .values_list("pk", "reports__model_version__version", "reports__model_version__created_at",
                         "reports__model_version_id")
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
    # Its own title, whoever reads: what a reader may be shown is `incident_title_as_seen_by`.
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


PEOPLE_PICKER_LIMIT = 500


def incident_people_to_name(*, incident: Incident) -> list[str]:
    """Who can be named on a restricted incident: active people (not bot accounts), the ones
    already named first. Capped for the page; a larger organisation names people through
    `PATCH /api/v1/incidents/{id}/` (`restricted_to`)."""
    named = sorted(user.get_username() for user in incident.restricted_to.all())
    others = (get_user_model().objects.filter(is_active=True, bot_account__isnull=True)
              .exclude(username__in=named).order_by("username").values_list("username", flat=True)
              [:PEOPLE_PICKER_LIMIT])
    return named + list(others)
