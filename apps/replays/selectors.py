from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet

from apps.accounts.access import user_access
from apps.core.errors import NotFound
from apps.incidents.console import Choice
from apps.incidents.models import Incident, IncidentStatus
from apps.registry.selectors import model_version_list
from apps.reports.models import Report
from apps.reports.selectors import report_list

from .models import ExpectedOutcome, Replay, ReplayResult, ReplayStatus


def replay_list(*, user) -> QuerySet[Replay]:
    """Replays are team work: the owning team (everyone, for a model no team owns) and admins,
    and of those only whoever may see every report a replay ran. A replay shows each report's
    outputs and diffs, so a restricted incident's reports (on a model no team owns, seen only
    by the people it names) must not surface through someone else's replay."""
    access = user_access(user)
    queryset = Replay.objects.select_related("model_version__model", "requested_by")
    if access.is_admin:
        return queryset
    if not access.is_authenticated:
        return queryset.none()
    hidden_reports = Report.objects.exclude(pk__in=report_list(user=user).order_by().values("pk"))
    return (queryset.filter(Q(model_version__model__team_id__in=access.team_ids)
                            | Q(model_version__model__team__isnull=True))
            .exclude(reports__in=hidden_reports))


def replay_get(*, user, replay_id: int) -> Replay:
    replay = replay_list(user=user).filter(pk=replay_id).first()
    if replay is None:
        raise NotFound(f"There is no replay {replay_id}, or you may not see it.")
    return replay


def replay_results(*, replay: Replay) -> QuerySet[ReplayResult]:
    return replay.results.order_by("report_id")


def replays_for_report(*, user, report_id: int) -> list[tuple[Replay, ReplayResult | None]]:
    replays = list(replay_list(user=user).filter(reports=report_id).order_by("-created_at", "-id")[:20])
    results = {result.replay_id: result for result in ReplayResult.objects.filter(report_id=report_id,
                                                                                 replay__in=replays)}
    return [(replay, results.get(replay.pk)) for replay in replays]


def reports_for_batch(*, user, model, reports: list[int] | None = None, incident: int | None = None,
                      suite: str | None = None):
    """The reports a batch replay runs: an explicit list, an incident's, or the suite of
    resolved cases."""
    queryset = report_list(user=user).filter(model=model)
    if reports:
        found = list(queryset.filter(pk__in=reports))
        missing = sorted(set(reports) - {report.pk for report in found})
        if missing:
            raise NotFound(f"No report(s) {', '.join(map(str, missing[:20]))} for model {model.name}.",
                           errors={"reports": [f"Unknown report ids: {missing[:20]}"]})
        return found
    if incident is not None:
        return list(queryset.filter(incident_id=incident))
    if suite == "resolved":
        # The suite's pages show each case's expectation: loaded with it, not one query a case.
        return list(queryset.filter(incident__status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED],
                                    expected_outcome__isnull=False).select_related("expected_outcome"))
    return []


def suite_reports(*, model) -> QuerySet:
    """The regression suite of a model: every report whose incident is resolved (or closed)
    and that has an agreed expected outcome. Unscoped: for the system (replay_suite); people
    go through `reports_for_batch`, which sees only what they may see."""
    return (Report.objects.filter(model=model, expected_outcome__isnull=False,
                                  incident__status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED])
            .order_by("pk"))


def suite_history(*, model, limit: int = 50) -> list[Replay]:
    """The model's suite runs, newest first, with their version."""
    return list(Replay.objects.filter(model_version__model=model, suite=True).select_related("model_version")
                .order_by("-created_at", "-id")[:limit])


def expected_outcome_of(*, report) -> ExpectedOutcome | None:
    return ExpectedOutcome.objects.filter(report=report).select_related("set_by").first()


def suite_results(*, replay: Replay) -> QuerySet[ReplayResult]:
    from django.db.models import Case, IntegerField, Value, When

    from .models import SuiteVerdict

    # What blocks a release first, then what never worked, then what passes.
    rank = Case(When(verdict=SuiteVerdict.REGRESSED, then=Value(0)),
                When(verdict=SuiteVerdict.STILL_FAILING, then=Value(1)), default=Value(2), output_field=IntegerField())
    return replay.results.select_related("report__expected_outcome").order_by(rank, "report_id")


# --- The incident page's replay panel: the incident's reports on any registered version ------


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
