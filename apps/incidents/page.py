"""The incident page's read model: everything the page (and its in-place fragments) shows,
built by `incident_page` in a fixed number of queries, as small dataclasses the template
renders. The page composes apps above incidents (reports, replays, post-mortems, action
items), like the views module it serves; it is the unit to move when the composed pages get
their own layer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.accounts.access import user_access
from apps.actions.selectors import TicketSummary, ticket_summary
from apps.audit.selectors import audit_events_for
from apps.core.charts import DailyChart, daily_chart
from apps.postmortems.models import Postmortem, WhyStatus
from apps.registry.selectors import model_version_list
from apps.replays.models import Replay, ReplayResult, ReplayStatus
from apps.reports.models import Report
from apps.reports.selectors import report_list

from .changes import IncidentChanges, incident_changes
from .console import Choice, IncidentConsole, incident_console
from .evidence import incident_evidence_list
from .models import INCIDENT_TRANSITIONS, Incident, IncidentStatus
from .selectors import (
    IncidentCounts,
    incident_can_work,
    incident_counts,
    incident_get,
    incident_merge_candidates,
    incident_neutral_title,
    incident_people_to_name,
    incident_versions_involved,
)
from .similarity import SimilarIncidents, similar_incidents
from .tags import TagRow, incident_tags, tag_suggestions

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
class VersionVerdict:
    """What replaying the incident's reports on one version showed: each report counted once,
    by its latest result on that version."""

    version: str
    logged: bool  # a version the reports came from: replaying it asks "does it reproduce?"
    tried: int
    reproduced: int
    changed: int
    errors: int
    reports: int  # the incident's reports in all
    latest_replay_id: int
    latest_at: datetime

    @property
    def sentence(self) -> str:
        """ "4 of 4 reproduce", "3 of 4 change the answer" — the headline of the row."""
        of = f"of {self.tried}"
        if self.errors == self.tried:
            return f"{self.errors} {of} failed to run"
        if self.changed > self.reproduced:
            return f"{self.changed} {of} change{'s' if self.changed == 1 else ''} the answer"
        return f"{self.reproduced} {of} reproduce{'s' if self.reproduced == 1 else ''}"

    @property
    def tone(self) -> str:
        """The row's colour: 'changed' (the answer moved), 'same' or 'errors'."""
        if self.errors == self.tried:
            return "errors"
        return "changed" if self.changed > self.reproduced else "same"


@dataclass(frozen=True)
class ReplayPanel:
    """The replay controls and verdicts, for people who may replay the model's reports."""

    incident_id: int
    versions: list[Choice]  # newest first; the first is the default
    verdicts: list[VersionVerdict]  # oldest version first: the order a fix is judged by
    running: list[Replay]
    report_total: int
    logged_versions: list[str] = field(default_factory=list)  # the versions the reports came from

    @property
    def pending(self) -> bool:
        return bool(self.running)

    @property
    def summary(self) -> str:
        """The verdicts in one line: "1.0: 4 of 4 reproduce · 1.1: 3 of 4 change the answer"."""
        return " · ".join(f"{verdict.version}: {verdict.sentence}" for verdict in self.verdicts)

    @property
    def default_version(self) -> str:
        return self.versions[0].value if self.versions else ""


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
    evidence: list
    events: list = field(default_factory=list)
    access: IncidentAccess | None = None  # for the people who may change it
    # Learning across incidents: free tags, similar incidents (scoped to the viewer) and the
    # change events around it, suspects first (the team's: changes are team work).
    tags: list[TagRow] = field(default_factory=list)
    tag_suggestions: list[str] = field(default_factory=list)  # for the people who may tag it
    similar: SimilarIncidents | None = None
    changes: IncidentChanges | None = None


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


def _verdicts(*, incident_id: int, logged_versions: set[str], report_total: int) -> list[VersionVerdict]:
    """One query over the replay results of the incident's reports, newest run first; each
    (report, version) counted once, by its latest result."""
    rows = (ReplayResult.objects.filter(report__incident_id=incident_id)
            .exclude(replay__status=ReplayStatus.QUEUED)
            .values_list("report_id", "replay__model_version_id", "replay__model_version__version",
                         "replay__model_version__created_at", "replay_id", "replay__created_at",
                         "matches_original", "error")
            .order_by("-replay__created_at", "-replay_id"))
    seen: set[tuple[int, int]] = set()
    tally: dict[int, dict] = {}
    for report_id, version_id, version, registered, replay_id, run_at, matches, error in rows.iterator():
        if (report_id, version_id) in seen:
            continue
        seen.add((report_id, version_id))
        entry = tally.setdefault(version_id, {"version": version, "registered": registered, "replay": replay_id,
                                              "at": run_at, "tried": 0, "reproduced": 0, "changed": 0, "errors": 0})
        entry["tried"] += 1
        if error:
            entry["errors"] += 1
        elif matches:
            entry["reproduced"] += 1
        else:
            entry["changed"] += 1
    ordered = sorted(tally.values(), key=lambda entry: entry["registered"])
    return [VersionVerdict(version=entry["version"], logged=entry["version"] in logged_versions,
                           tried=entry["tried"], reproduced=entry["reproduced"], changed=entry["changed"],
                           errors=entry["errors"], reports=report_total, latest_replay_id=entry["replay"],
                           latest_at=entry["at"]) for entry in ordered]


def incident_replay_panel(*, user, incident: Incident, versions_involved: Iterable[str] = (),
                          report_total: int | None = None) -> ReplayPanel | None:
    """None unless `user` may replay the incident's reports: replaying runs the model, which
    is its team's (and an admin's) work — the same rule `replay_start` enforces."""
    if not user_access(user).can_work_on_team(incident.model.team_id):
        return None
    versions_involved = list(versions_involved)
    if report_total is None:
        report_total = Report.objects.filter(incident_id=incident.pk).count()
    running = list(Replay.objects.filter(reports__incident_id=incident.pk,
                                         status__in=[ReplayStatus.QUEUED, ReplayStatus.RUNNING])
                   .select_related("model_version").distinct().order_by("-created_at", "-id")[:5])
    return ReplayPanel(
        incident_id=incident.pk,
        versions=[Choice(version.version, version.version) for version in model_version_list(model=incident.model)],
        verdicts=_verdicts(incident_id=incident.pk, logged_versions=set(versions_involved),
                           report_total=report_total),
        running=running, report_total=report_total, logged_versions=list(versions_involved))


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
    return IncidentPage(
        incident=incident,
        console=incident_console(user=user, incident=incident, can_work=can_work),
        can_work=can_work,
        outside_title=incident_neutral_title(incident),
        counts=counts,
        versions_involved=versions,
        chart=incident_reports_per_day(incident_id=incident.pk, first_seen=counts.first_seen,
                                       today=timezone.localdate()),
        reports=reports,
        merge_candidates=[MergeCandidate(id=candidate.pk, title=candidate.title,
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
