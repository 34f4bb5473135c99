"""The home page's read model: what is going on now — the counts that need someone, the active
incidents most severe first, the latest reports, the models and the reports filed per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from apps.core.charts import DailyChart, daily_chart
from apps.core.dates import last_days_start
from apps.incidents.models import ACTIVE_STATUSES
from apps.incidents.selectors import (
    IncidentFilters,
    incident_list,
    incident_list_filtered,
    incident_titles_as_seen_by,
)
from apps.registry.selectors import model_list
from apps.reports.selectors import report_list, reports_per_day

CHART_DAYS = 30
INCIDENTS_SHOWN = 10
REPORTS_SHOWN = 10


@dataclass(frozen=True)
class HomeStats:
    total: int  # active incidents
    urgent: int  # active, high or critical
    unassigned: int  # active, nobody on it
    reports_week: int  # reports filed in the last seven days


@dataclass(frozen=True)
class HomeIncident:
    id: int
    title: str  # as the reader may read it
    severity: str
    severity_label: str
    status: str
    status_label: str
    report_count: int
    last_seen: datetime | None
    owner: str  # "" when nobody is on it yet


@dataclass(frozen=True)
class HomeReport:
    id: int
    title: str
    url: str
    model: str  # the model's display name, "" when not sorted yet
    version: str  # the version it was made by, "" when not known
    created_at: datetime


@dataclass(frozen=True)
class HomeModel:
    name: str
    label: str
    versions: int


@dataclass(frozen=True)
class HomePage:
    stats: HomeStats
    incidents: list[HomeIncident]  # most severe first, then the latest reported
    reports: list[HomeReport]  # newest first
    models: list[HomeModel]
    chart: DailyChart


def home_page(*, user) -> HomePage:
    """The home page for `user`: everything counted and listed is what they may see."""
    today = timezone.localdate()
    active = incident_list(user=user).filter(status__in=ACTIVE_STATUSES)
    counts = active.order_by().aggregate(
        total=Count("pk", distinct=True),
        urgent=Count("pk", filter=Q(severity__in=["critical", "high"]), distinct=True),
        unassigned=Count("pk", filter=Q(owner__isnull=True), distinct=True))
    week = timezone.now() - timedelta(days=7)
    # Most severe first, then the latest reported: what a triager looks at first.
    incidents = list(incident_list_filtered(user=user, filters=IncidentFilters(status="active", sort="severity"))
                     [:INCIDENTS_SHOWN])
    titles = incident_titles_as_seen_by(user=user, incidents=incidents)
    reports = list(report_list(user=user)[:REPORTS_SHOWN])
    return HomePage(
        stats=HomeStats(reports_week=report_list(user=user).filter(created_at__gte=week).count(), **counts),
        incidents=[HomeIncident(id=incident.pk, title=titles[incident.pk], severity=incident.severity,
                                severity_label=incident.get_severity_display(), status=incident.status,
                                status_label=incident.get_status_display(), report_count=incident.report_count,
                                last_seen=incident.last_seen,
                                owner=incident.owner.get_username() if incident.owner else "")
                   for incident in incidents],
        reports=[HomeReport(id=report.pk, title=report.title, url=report.get_absolute_url(),
                            model=str(report.model) if report.model_id else "",
                            version=report.model_version.version if report.model_version_id else "",
                            created_at=report.created_at)
                 for report in reports],
        models=[HomeModel(name=model.name, label=str(model), versions=model.version_count) for model in model_list()],
        chart=daily_chart(title="Reports filed", noun="report", series=[("filed", "Reports")], days=CHART_DAYS,
                          today=today, counts=reports_per_day(user=user, since=last_days_start(CHART_DAYS,
                                                                                                 today=today))),
    )
