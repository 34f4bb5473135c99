"""The report page's read model: what was seen and expected, its inputs against the reference
(the most suspicious first), its forensics, its replays and, for the team, the expected
outcome and the candidates to link a logged prediction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from apps.accounts.access import user_access
from apps.forensics.models import ReportForensics
from apps.forensics.selectors import report_forensics_for
from apps.forensics.strips import InputRow, input_rows
from apps.incidents.selectors import incident_list
from apps.registry.models import Model, ModelVersion
from apps.registry.reference_checks import input_checks
from apps.registry.selectors import model_list, model_version_list
from apps.replays.forms import ExpectedOutcomeForm
from apps.replays.models import ExpectedOutcome, Replay, ReplayResult
from apps.replays.selectors import expected_outcome_of, replays_for_report
from apps.reports.candidates import CandidateSearch, prediction_candidates
from apps.reports.models import Attachment, Report
from apps.reports.selectors import attachment_list, report_get, report_inputs_withheld


@dataclass(frozen=True)
class ReportPage:
    report: Report
    can_work: bool  # the model's team (and admins): replays, the expected outcome, linking a prediction
    can_sort: bool  # an unsorted report, and a reader who may give it a model
    incident_visible: bool  # the reader may open the report's incident
    inputs_withheld: bool  # logged inputs are the team's: nothing about them is drawn either
    inputs: list[InputRow]  # the most suspicious first
    finding: InputRow | None  # what the page leads with: the most suspicious input, when anything is odd
    has_reference: bool
    expected: ExpectedOutcome | None
    forensics: ReportForensics | None
    attachments: list[Attachment]
    replays: list[tuple[Replay, ReplayResult | None]] = field(default_factory=list)
    latest: tuple[Replay, ReplayResult] | None = None  # the newest replay with a result for this report
    replay_pending: bool = False
    versions: list[ModelVersion] = field(default_factory=list)  # to replay on, for the team
    expectation_form: ExpectedOutcomeForm | None = None
    candidates: CandidateSearch | None = None  # for the team, when the report has no logged inputs
    sort_models: list[Model] | None = None  # the models to sort an unsorted report into


def report_page(*, user, report_id: int) -> ReportPage:
    """The report page for `user`: NotFound when they may not see the report."""
    report = report_get(user=user, report_id=report_id)
    access = user_access(user)
    can_work = report.model_id is not None and access.can_work_on_team(report.model.team_id)
    can_sort = report.is_unsorted and access.can_sort
    replays = replays_for_report(user=user, report_id=report.pk) if can_work else []
    inputs_withheld = report_inputs_withheld(user=user, report=report)
    expected = expected_outcome_of(report=report)
    initial = {"predicate": expected.predicate, "value": expected.value if isinstance(expected.value, str) else
               json.dumps(expected.value), "field": expected.field, "note": expected.note} if expected else {}
    version = report.model_version
    checks = ([] if inputs_withheld or not report.has_inputs or version is None
              else input_checks(model_version=version, features=report.features))
    reference = (version.reference_stats or {}) if version is not None else {}
    inputs = input_rows(checks=checks, reference=reference)
    return ReportPage(
        report=report,
        can_work=can_work,
        can_sort=can_sort,
        incident_visible=report.incident_id is not None
        and incident_list(user=user).filter(pk=report.incident_id).exists(),
        inputs_withheld=inputs_withheld,
        inputs=inputs,
        finding=next((row for row in inputs if row.suspicious), None),
        has_reference=bool(reference.get("features")),
        expected=expected,
        forensics=report_forensics_for(user=user, report=report) if report.model_id else None,
        attachments=list(attachment_list(user=user, report_id=report.pk)),
        replays=replays,
        latest=next(((replay, result) for replay, result in replays if result is not None), None),
        replay_pending=any(not replay.is_finished for replay, _ in replays),
        versions=list(model_version_list(model=report.model)) if can_work and report.has_inputs else [],
        expectation_form=ExpectedOutcomeForm(initial=initial) if can_work and report.has_inputs else None,
        candidates=(prediction_candidates(user=user, report_id=report.pk)
                    if can_work and not report.has_inputs else None),
        sort_models=list(model_list()) if can_sort else None,
    )
