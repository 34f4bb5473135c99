from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from apps.accounts.access import user_access
from apps.core.dates import day_end, day_start
from apps.core.errors import NotFound
from apps.core.listing import reference_number
from apps.incidents.models import ACTIVE_STATUSES, Incident, IncidentStatus
from apps.incidents.selectors import ReaderLookups, incidents_naming

from .models import Attachment, Report

# A version's reference sample and statistics are large JSON documents that only forensics and
# replays read; decoding them again for every row of a list was most of the report list's time.
_VERSION_REFERENCE_FIELDS = ("model_version__reference_sample", "model_version__reference_stats")


def report_visibility(user, lookups: ReaderLookups | None = None) -> Q | None:
    """Who sees a report: its reporter, the owning team (everyone, for a model no team owns,
    unless its incident is restricted), people named on its restricted incident, admins, and —
    for a report with no model yet (the Unsorted inbox) — triagers. None means "everything".
    With `lookups` (`reader_lookups`, read once), the same rule filters on the report's own
    columns: no join to the models, no naming subquery, in each query repeating it."""
    access = user_access(user)
    if access.is_admin:
        return None
    if not access.is_authenticated:
        return Q(pk__in=[])
    if lookups is not None:
        team = Q(model_id__in=lookups.team_model_ids)
        unowned = Q(model_id__in=lookups.unowned_model_ids, incident__restricted=False)
        naming = Q(incident_id__in=lookups.naming_incident_ids)
    else:
        team = Q(model__team_id__in=access.team_ids)
        unowned = Q(model__isnull=False, model__team__isnull=True, incident__restricted=False)
        naming = Q(incident_id__in=incidents_naming(access.user_id))
    visible = Q(reporter_id=access.user_id) | team | unowned | naming
    return visible | Q(model__isnull=True) if access.can_sort else visible


class LoggedInputsReaders:
    """Who reads the input values of a report filed by a prediction id (they come from the
    inference log, which holds production data): the owning team (everyone, for a model no
    team owns), admins, and the people named on its incident while it is restricted (the team
    brought them in). Everyone else who sees the report — its reporter above all — sees which
    prediction it is and what the model answered, not the values. A report filed with typed
    inputs and no id holds nothing from the log: its readers see it all.
    Built once per request, so a list asks the database at most once more."""

    def __init__(self, user) -> None:
        self._access = user_access(user)
        self._named: set[int] | None = None

    def may_read(self, report: Report) -> bool:
        if not report.prediction_id or report.model_id is None \
                or self._access.can_work_on_team(report.model.team_id):
            return True
        if not self._access.is_authenticated:
            return False
        if self._named is None:
            self._named = set(Incident.objects.filter(pk__in=incidents_naming(self._access.user_id), restricted=True)
                              .values_list("pk", flat=True))
        return report.incident_id in self._named


def report_inputs_withheld(*, user, report: Report) -> bool:
    """True when `user` sees this report but not the values of its logged inputs."""
    return not LoggedInputsReaders(user).may_read(report)


def report_list(*, user) -> QuerySet[Report]:
    queryset = (Report.objects.select_related("model", "model_version__model", "incident", "reporter")
                .defer(*_VERSION_REFERENCE_FIELDS))
    visible = report_visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    return queryset.order_by("-created_at", "-id")


def report_get(*, user, report_id: int) -> Report:
    # One report: load everything (forensics reads the reference statistics), with the same scope.
    report = report_list(user=user).defer(None).filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"There is no report {report_id}, or you may not see it.")
    return report


def report_get_for_upload(*, user, report_id: int, own_reports_only: bool) -> Report:
    """The report a file is attached to. An intake-only key (`own_reports_only`) attaches only
    to the reports its bot filed; any other report, existing or not, gets the same "not found",
    so that trying ids tells it nothing."""
    report = report_get(user=user, report_id=report_id) if not own_reports_only else (
        report_list(user=user).defer(None).filter(pk=report_id, reporter_id=user.pk).first())
    if report is None:
        raise NotFound(f"There is no report {report_id}, or you may not see it.")
    return report


def attachment_list(*, user, report_id: int) -> QuerySet[Attachment]:
    report = report_get(user=user, report_id=report_id)
    return report.attachments.order_by("created_at", "id")


def attachment_get(*, user, report_id: int, attachment_id: int) -> Attachment:
    """Goes through report_get, so whoever may not see the report may not see its files either."""
    attachment = attachment_list(user=user, report_id=report_id).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"Report {report_id} has no attachment {attachment_id}.")
    return attachment


def reports_per_day(*, user, since: datetime, model=None) -> dict:
    """{day: {"filed": n}}: the reports `user` may see (of one model, or of all), filed since `since`."""
    queryset = report_list(user=user).filter(created_at__gte=since)
    if model is not None:
        queryset = queryset.filter(model=model)
    rows = (queryset.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("id")).order_by())
    return {row["day"]: {"filed": row["n"]} for row in rows}


@dataclass(frozen=True)
class ReportFilters:
    q: str = ""
    model: str = ""
    channel: str = ""
    incident_status: str = ""  # "active", "done", "declined" or ""
    since: date | None = None
    until: date | None = None
    sort: str = "newest"
    unsorted: bool = False  # only the reports with no model yet (the Unsorted inbox)


_INCIDENT_STATES = {"active": tuple(ACTIVE_STATUSES), "done": (IncidentStatus.RESOLVED, IncidentStatus.CLOSED),
                    "declined": (IncidentStatus.DECLINED,)}


def report_list_filtered(*, user, filters: ReportFilters) -> QuerySet[Report]:
    """`report_list` narrowed by the list page's filters (one query a page, like the list)."""
    queryset = report_list(user=user)
    if filters.unsorted:
        queryset = queryset.filter(model__isnull=True)
    if filters.q:
        text = filters.q.strip()
        number = reference_number(text, "WTF")
        match = Q(title__icontains=text) | Q(prediction_id=text)
        if number is not None:
            match |= Q(pk=number)
        queryset = queryset.filter(match)
    if filters.model:
        queryset = queryset.filter(model__name=filters.model)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.incident_status in _INCIDENT_STATES:
        queryset = queryset.filter(incident__status__in=_INCIDENT_STATES[filters.incident_status])
    if filters.since:
        queryset = queryset.filter(created_at__gte=day_start(filters.since))
    if filters.until:
        queryset = queryset.filter(created_at__lte=day_end(filters.until))
    return queryset.order_by("created_at", "id") if filters.sort == "oldest" else queryset


def unsorted_count(*, user) -> int:
    """How many reports wait for a model, for who sorts them (0 for everyone else)."""
    if not user_access(user).can_sort:
        return 0
    return Report.objects.filter(model__isnull=True).count()


def report_filter_models(*, user) -> list[tuple[str, str]]:
    """The models of the reports `user` may see, for the list's model filter."""
    rows = set(report_list(user=user).filter(model__isnull=False).order_by()
               .values_list("model__name", "model__display_name").distinct())
    return [(name, display or name) for name, display in sorted(rows)]
