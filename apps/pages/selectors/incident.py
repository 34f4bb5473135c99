"""The incident page's read model: everything the page shows, built by `incident_page` in a
fixed number of queries, as small dataclasses the template renders. The page composes apps
above incidents (reports, replays, post-mortems, action items, evidence), so it lives here, in
the top layer; the fragments swapped in place keep their own apps' read models (the console
and history: incidents; the replay panel: replays; diagnosis, similar incidents and changes
are loaded from their apps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.actions.selectors import TicketSummary, ticket_summary
from apps.audit.selectors import audit_events_for
from apps.core.charts import DailyChart, daily_chart
from apps.core.humanize import flag_label
from apps.incidents.changes import IncidentChanges, incident_changes
from apps.incidents.console import IncidentConsole, incident_console
from apps.incidents.evidence import EvidenceRow, incident_evidence_list
from apps.incidents.models import INCIDENT_TRANSITIONS, Incident, IncidentStatus
from apps.incidents.selectors import (
    IncidentCounts,
    incident_can_work,
    incident_counts,
    incident_get,
    incident_merge_candidates,
    incident_neutral_title,
    incident_people_to_name,
    incident_titles_as_seen_by,
    incident_versions_involved,
)
from apps.incidents.similarity import SimilarIncidents, similar_incidents
from apps.incidents.tags import TagRow, incident_tags, tag_suggestions
from apps.postmortems.models import Postmortem, WhyStatus
from apps.replays.selectors import ReplayPanel, incident_replay_panel
from apps.reports.models import Report
from apps.reports.selectors import report_list

CHART_MAX_DAYS = 30  # a long-running incident shows its last 30 days
CHART_MIN_DAYS = 7  # a young one shows the quiet week before it, so the start stands out
HISTORY_EVENTS = 50


@dataclass(frozen=True)
class ReportRow:
    id: int
    title: str
    url: str
    reporter: str
    version: str
    created_at: datetime
    placed_by_hand: bool


@dataclass(frozen=True)
class MergeCandidate:
    id: int
    title: str
    status_label: str
    reports: int


@dataclass(frozen=True)
class PostmortemProgress:
    status: str
    status_label: str
    author: str
    updated_at: datetime
    whys: int
    whys_checked: int

    @property
    def checked_percent(self) -> int:
        return round(100 * self.whys_checked / self.whys) if self.whys else 0


@dataclass(frozen=True)
class IncidentAccess:
    """Who sees the incident, for the team's "Who sees it" panel."""

    restricted: bool
    named: list[str]
    people: list[str]  # who can be named (the named ones first)
    public_title: str


@dataclass(frozen=True)
class IncidentPage:
    # The incident itself: the console's status, severity, owner and note read its fields.
    incident: Incident
    title: str  # as the reader may read it: the incident's own `title` is the team's
    grouped_by: str  # the fingerprint's label in words ("" when it has none)
    console: IncidentConsole
    can_work: bool
    outside_title: str
    counts: IncidentCounts
    versions_involved: list[str]
    chart: DailyChart
    reports: list[ReportRow]
    merge_candidates: list[MergeCandidate]
    can_merge: bool
    can_move_reports: bool
    replay: ReplayPanel | None
    postmortem: PostmortemProgress | None
    tickets: TicketSummary
    evidence: list[EvidenceRow]
    events: list = field(default_factory=list)
    access: IncidentAccess | None = None  # for the people who may change it
    # Learning across incidents: free tags, similar incidents (scoped to the viewer) and the
    # change events around it, suspects first (the team's: changes are team work).
    tags: list[TagRow] = field(default_factory=list)
    tag_suggestions: list[str] = field(default_factory=list)  # for the people who may tag it
    similar: SimilarIncidents | None = None
    changes: IncidentChanges | None = None


# The fingerprint's label joins its parts with this; its input part reads "input <feature>:<flag>".
_LABEL_SEPARATOR, _INPUT_PART = " · ", "input "


def grouped_by_words(label: str) -> str:
    """The stored fingerprint label (an API field, kept as it is) worded for people: the flag
    code of its input part in the words every page uses for flags, e.g. `input
    last_viewed_category:unusual_combination` → `input last_viewed_category (unusual combination)`."""
    parts = label.split(_LABEL_SEPARATOR) if label else []
    for index, part in enumerate(parts):
        feature, colon, flag = part.removeprefix(_INPUT_PART).partition(":")
        if part.startswith(_INPUT_PART) and colon and flag:
            parts[index] = f"{_INPUT_PART}{feature} ({flag_label(flag)})"
    return _LABEL_SEPARATOR.join(parts)


def incident_reports_per_day(*, incident_id: int, first_seen: datetime | None, today: date) -> DailyChart:
    """Reports filed per day from the first one to today (the last 30 days of a long one).
    Like the counts above it, every report counts: numbers, not the reports' contents."""
    start = timezone.localdate(first_seen) if first_seen else today
    days = min(max((today - start).days + 1, CHART_MIN_DAYS), CHART_MAX_DAYS)
    rows = (Report.objects.filter(incident_id=incident_id, created_at__date__gte=today - timedelta(days=days - 1))
            .annotate(day=TruncDate("created_at")).values("day").annotate(filed=Count("id")).order_by())
    counts = {row["day"]: {"filed": row["filed"]} for row in rows}
    return daily_chart(title="Reports per day", noun="report", series=[("filed", "Reports")], counts=counts,
                       days=days, today=today)


def _postmortem_progress(*, incident_id: int) -> PostmortemProgress | None:
    found = (Postmortem.objects.filter(incident_id=incident_id).select_related("author")
             .annotate(whys=Count("why_nodes"),
                       checked=Count("why_nodes", filter=~Q(why_nodes__status=WhyStatus.PROPOSED))).first())
    if found is None:
        return None
    return PostmortemProgress(status=found.status, status_label=found.get_status_display(),
                              author=found.author.get_username() if found.author else "",
                              updated_at=found.updated_at, whys=found.whys, whys_checked=found.checked)


def incident_page(*, user, incident_id: int) -> IncidentPage:
    """The incident page for `user`: NotFound when they may not see the incident. The number
    of queries does not grow with the number of reports."""
    incident = incident_get(user=user, incident_id=incident_id)
    can_work = incident_can_work(user=user, incident=incident)
    counts = incident_counts(incident_id=incident.pk)
    versions = incident_versions_involved(incidents=[incident])[incident.pk]
    reports = [ReportRow(id=report.pk, title=report.title, url=report.get_absolute_url(),
                         reporter=report.reporter.get_username() if report.reporter else "unknown",
                         version=report.model_version.version if report.model_version_id else "",
                         created_at=report.created_at,
                         placed_by_hand=report.grouping_locked)
               for report in report_list(user=user).filter(incident=incident)]
    candidates = incident_merge_candidates(user=user, incident=incident) if can_work else []
    titles = incident_titles_as_seen_by(user=user, incidents=[incident, *candidates])
    return IncidentPage(
        incident=incident,
        title=titles[incident.pk],
        grouped_by=grouped_by_words(incident.fingerprint_label),
        console=incident_console(user=user, incident=incident, can_work=can_work),
        can_work=can_work,
        outside_title=incident_neutral_title(incident),
        counts=counts,
        versions_involved=versions,
        chart=incident_reports_per_day(incident_id=incident.pk, first_seen=counts.first_seen,
                                       today=timezone.localdate()),
        reports=reports,
        merge_candidates=[MergeCandidate(id=candidate.pk, title=titles[candidate.pk],
                                         status_label=candidate.get_status_display(),
                                         reports=candidate.report_count) for candidate in candidates],
        can_merge=bool(candidates) and INCIDENT_TRANSITIONS.can_move(incident.status, IncidentStatus.DUPLICATE),
        # Moving an incident's only report would leave it empty: people merge the incident instead.
        can_move_reports=can_work and counts.reports > 1,
        replay=incident_replay_panel(user=user, incident=incident, versions_involved=versions,
                                     report_total=counts.reports) if can_work else None,
        postmortem=_postmortem_progress(incident_id=incident.pk),
        tickets=ticket_summary(incident_id=incident.pk),
        evidence=incident_evidence_list(user=user, incident_id=incident.pk),
        events=list(audit_events_for(target=incident)[:HISTORY_EVENTS]),
        access=IncidentAccess(restricted=incident.restricted,
                              named=sorted(user.get_username() for user in incident.restricted_to.all()),
                              people=incident_people_to_name(incident=incident),
                              public_title=incident.public_title) if can_work else None,
        tags=incident_tags(incident_ids=[incident.pk])[incident.pk],
        tag_suggestions=tag_suggestions(user=user, limit=30) if can_work else [],
        similar=similar_incidents(user=user, incident=incident),
        changes=incident_changes(user=user, incident=incident),
    )
