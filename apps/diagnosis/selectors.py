"""Reads for the diagnosis, already scoped: whoever may see a report sees its diagnosis, as
far as it says nothing they may not read. The model's team sees everything. A reader outside
the team sees the hypotheses about the inputs they can read, without what comes from the
inference log, drift reports or training rows (team data, as on the report page); when the
report's inputs come from the log and are withheld from them, the diagnosis is too."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.urls import reverse

from apps.accounts.access import user_access
from apps.incidents.selectors import incident_get
from apps.replays.models import Replay
from apps.reports.models import Report
from apps.reports.selectors import report_get, report_inputs_withheld, report_list

from .kinds import LABELS, Kind
from .models import Diagnosis, DiagnosisStatus

# Checks and hypotheses that read the model team's data (the log, drift reports, training rows).
TEAM_ONLY_CHECKS = frozenset({"most similar training rows", "start in the log", "near a registration", "drift report",
                              "drift", "change point"})
TEAM_ONLY_KINDS = frozenset({Kind.DRIFT, Kind.CHANGE_POINT})
TEAM_ONLY_RESULT = "Shown to the model's team only."
WITHHELD_SUMMARY = ("The diagnosis works on the inputs from the inference log, which only the model's team reads: "
                    "ask them for it.")
NOT_YET = "The diagnosis has not run yet."


@dataclass(frozen=True)
class CheckView:
    check: str
    result: str
    supports: bool
    ran: bool = True


@dataclass(frozen=True)
class CounterfactualView:
    input: dict[str, Any]
    output: Any
    matches_expected: bool | None


@dataclass(frozen=True)
class HypothesisView:
    kind: str
    label: str
    confidence: float
    summary: str
    feature: str | None
    checks: list[CheckView]
    counterfactual: CounterfactualView | None
    reports: int | None = None  # on an incident: how many of its reports support it
    report_ids: tuple[int, ...] = ()  # on an incident: which (the evidence a drafted why cites)

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class ReplayLink:
    id: int
    version: str
    url: str
    status: str


@dataclass(frozen=True)
class DiagnosisView:
    report_id: int | None
    status: str
    summary: str
    hypotheses: list[HypothesisView]
    notes: list[CheckView] = field(default_factory=list)
    computed_at: datetime | None = None
    error_message: str = ""
    replays: list[ReplayLink] = field(default_factory=list)
    can_recompute: bool = False
    withheld: bool = False
    incident_id: int | None = None
    reports_total: int = 0

    @property
    def top(self) -> HypothesisView | None:
        return self.hypotheses[0] if self.hypotheses else None

    @property
    def others(self) -> list[HypothesisView]:
        return self.hypotheses[1:]

    @property
    def busy(self) -> bool:
        return self.status in (DiagnosisStatus.PENDING, DiagnosisStatus.RUNNING)

    def as_json(self) -> dict[str, Any]:
        """The API's shape (contract): status, summary, hypotheses ranked, most likely first."""
        data: dict[str, Any] = {"status": self.status, "summary": self.summary,
                                "hypotheses": [_hypothesis_json(h) for h in self.hypotheses]}
        if self.report_id is not None:
            data["report"] = self.report_id
            data["computed_at"] = self.computed_at.isoformat() if self.computed_at else None
            data["notes"] = [_check_json(n) for n in self.notes]
            if self.error_message:
                data["error"] = self.error_message
        if self.incident_id is not None:
            data["incident"] = self.incident_id
            data["reports"] = self.reports_total
        return data


def _check_json(check: CheckView) -> dict[str, Any]:
    return {"check": check.check, "result": check.result, "supports": check.supports, "ran": check.ran}


def _hypothesis_json(hypothesis: HypothesisView) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": hypothesis.kind, "confidence": hypothesis.confidence,
                            "summary": hypothesis.summary, "checks": [_check_json(c) for c in hypothesis.checks]}
    if hypothesis.feature is not None:
        data["feature"] = hypothesis.feature
    if hypothesis.counterfactual is not None:
        data["counterfactual"] = {"input": hypothesis.counterfactual.input, "output": hypothesis.counterfactual.output,
                                  "matches_expected": hypothesis.counterfactual.matches_expected}
    if hypothesis.reports is not None:
        data["reports"] = hypothesis.reports
    return data


def _checks(raw: list[dict], *, team: bool) -> list[CheckView]:
    return [CheckView(check=item.get("check", ""),
                      result=item.get("result", "") if team or item.get("check") not in TEAM_ONLY_CHECKS
                      else TEAM_ONLY_RESULT,
                      supports=bool(item.get("supports")), ran=item.get("ran", True)) for item in raw or []]


def _hypotheses(raw: list[dict], *, team: bool) -> list[HypothesisView]:
    found = []
    for item in raw or []:
        if not team and item.get("kind") in TEAM_ONLY_KINDS:
            continue
        counterfactual = item.get("counterfactual")
        found.append(HypothesisView(
            kind=item["kind"], label=LABELS.get(item["kind"], item["kind"]), confidence=item.get("confidence", 0.0),
            summary=item.get("summary", ""), feature=item.get("feature"), checks=_checks(item.get("checks"), team=team),
            counterfactual=CounterfactualView(counterfactual.get("input") or {}, counterfactual.get("output"),
                                              counterfactual.get("matches_expected"))
            if isinstance(counterfactual, dict) else None))
    return found


def _replays(report: Report) -> list[ReplayLink]:
    """The report's replays, newest first per version: what a reviewer opens to see the runs."""
    seen: set[int] = set()
    links = []
    for replay in Replay.objects.filter(reports=report).select_related("model_version").order_by("-created_at")[:20]:
        if replay.model_version_id in seen:
            continue
        seen.add(replay.model_version_id)
        links.append(ReplayLink(replay.pk, replay.model_version.version, reverse("replays:detail", args=[replay.pk]),
                                replay.status))
    return links


def diagnosis_of(*, user, report: Report) -> DiagnosisView:
    """The diagnosis of a report `user` already sees (the caller got it through report_get)."""
    access = user_access(user)
    # A report with no model yet (the Unsorted inbox) has no team: only admins work on it.
    team = access.can_work_on_team(report.model.team_id) if report.model_id else access.is_admin
    row = Diagnosis.objects.filter(report=report).first()
    if row is None:
        return DiagnosisView(report.pk, DiagnosisStatus.PENDING, NOT_YET, [], can_recompute=team)
    if not team and report_inputs_withheld(user=user, report=report):
        return DiagnosisView(report.pk, row.status, WITHHELD_SUMMARY, [], computed_at=row.computed_at, withheld=True)
    hypotheses = _hypotheses(row.hypotheses, team=team)
    summary = row.summary if row.status == DiagnosisStatus.DONE else (
        "The diagnosis is running." if row.status == DiagnosisStatus.RUNNING else
        "The diagnosis could not be computed." if row.status == DiagnosisStatus.FAILED else "The diagnosis is queued.")
    if not team and row.hypotheses and row.hypotheses[0].get("kind") in TEAM_ONLY_KINDS:
        summary = ("Most likely: " + hypotheses[0].summary) if hypotheses else "Nothing stands out."
    return DiagnosisView(
        report_id=report.pk, status=row.status, summary=summary, hypotheses=hypotheses,
        notes=[n for n in _checks(row.notes, team=team) if team or n.check not in TEAM_ONLY_CHECKS],
        computed_at=row.computed_at, error_message=row.error_message if team else "",
        replays=_replays(report) if team else [], can_recompute=team)


def report_diagnosis_get(*, user, report_id: int) -> DiagnosisView:
    return diagnosis_of(user=user, report=report_get(user=user, report_id=report_id))


def incident_diagnosis_get(*, user, incident_id: int) -> DiagnosisView:
    """Over the incident's reports the user may see: for each kind, how many reports support
    it (it is among their hypotheses with confidence ≥ 0.5, or ranks first), ranked by that."""
    incident = incident_get(user=user, incident_id=incident_id)
    reports = list(report_list(user=user).filter(incident_id=incident.pk).select_related("model"))
    views = [diagnosis_of(user=user, report=report) for report in reports]
    statuses = {view.status for view in views}
    status = (DiagnosisStatus.RUNNING if DiagnosisStatus.RUNNING in statuses else DiagnosisStatus.PENDING
              if DiagnosisStatus.PENDING in statuses else DiagnosisStatus.FAILED
              if statuses == {DiagnosisStatus.FAILED} else DiagnosisStatus.DONE)
    support: dict[str, list[HypothesisView]] = defaultdict(list)
    supporters: dict[str, list[int]] = defaultdict(list)
    for view in views:
        for position, hypothesis in enumerate(view.hypotheses):
            if position == 0 or hypothesis.confidence >= 0.5:
                support[hypothesis.kind].append(hypothesis)
                supporters[hypothesis.kind].append(view.report_id)
    ranked = sorted(support.items(), key=lambda item: (-len(item[1]), -max(h.confidence for h in item[1]), item[0]))
    hypotheses = []
    for kind, items in ranked:
        best = max(items, key=lambda h: h.confidence)
        features = {h.feature for h in items if h.feature}
        hypotheses.append(HypothesisView(
            kind=kind, label=LABELS.get(kind, kind), confidence=round(sum(h.confidence for h in items) / len(items), 2),
            summary=best.summary, feature=next(iter(features)) if len(features) == 1 else None,
            checks=best.checks, counterfactual=best.counterfactual, reports=len(items),
            report_ids=tuple(sorted(supporters[kind]))))
    diagnosed = sum(1 for view in views if view.status == DiagnosisStatus.DONE and not view.withheld)
    if not views:
        summary = "There are no reports on this incident you may see."
    elif not hypotheses:
        summary = "Nothing stands out in the diagnoses of its reports." if diagnosed else NOT_YET
    else:
        top = hypotheses[0]
        summary = (f"{top.reports} of {len(views)} report{'s' if len(views) != 1 else ''} "
                   f"point{'s' if top.reports == 1 else ''} at "
                   f"{top.label.lower()}" + (f" (`{top.feature}`)" if top.feature else "") + ".")
    return DiagnosisView(None, status, summary, hypotheses, incident_id=incident.pk, reports_total=len(views),
                         can_recompute=user_access(user).can_work_on_team(incident.model.team_id))
