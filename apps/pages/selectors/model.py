"""The model page's read model: its versions, its charts, what its inference log says and, for
the owning team, the recent predictions, the regression suite and the changes around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from apps.accounts.access import user_access
from apps.core.charts import DailyChart, daily_chart
from apps.core.dates import last_days_start
from apps.feedback.selectors import feedback_counts, feedback_per_day
from apps.predictions.selectors import output_mix, predictions_per_day, predictions_recent
from apps.registry.changes import changes_between
from apps.registry.models import Model
from apps.registry.selectors import model_get, model_version_list, surface_list
from apps.replays.selectors import reports_for_batch, suite_history
from apps.reports.selectors import report_list, reports_per_day

CHART_DAYS = 30
CHANGES_SHOWN = 15
REPORTS_SHOWN = 20
PREDICTIONS_SHOWN = 25
PREDICTIONS_FIRST = 10  # shown at once; the rest of PREDICTIONS_SHOWN behind "Show more"


@dataclass(frozen=True)
class VersionRow:
    pk: int
    version: str
    backend_label: str
    sha256: str
    features: int
    reference_rows: int
    predictions: int
    reports: int
    created_at: datetime


@dataclass(frozen=True)
class OutputShare:
    """One output of the model in its inference log: how often, its share in %, and its bar's
    length in % of the most frequent output."""

    output: object
    count: int
    share: float
    length: float


@dataclass(frozen=True)
class ModelPage:
    model: Model
    can_work: bool  # the owning team (and admins): the inference log holds production inputs
    versions: list[VersionRow]  # newest first
    charts: list[DailyChart]
    chart_days: int
    output_mix: list[OutputShare]
    feedback: list  # versions with at least one vote: a row of zeros says nothing
    reports: list
    surfaces: list
    predictions: list = field(default_factory=list)  # the team's only, as the four below: the latest
    more_predictions: list = field(default_factory=list)  # the next ones, folded away
    suite_runs: list = field(default_factory=list)
    suite_cases: list = field(default_factory=list)
    changes: list = field(default_factory=list)


def model_page(*, user, name: str) -> ModelPage:
    """The model page for `user`: NotFound when there is no model `name`."""
    model = model_get(name=name)
    can_work = user_access(user).can_work_on_team(model.team_id)
    versions = [VersionRow(pk=version.pk, version=version.version, backend_label=version.get_backend_display(),
                           sha256=version.sha256, features=len(version.feature_names or []),
                           reference_rows=version.reference_rows, predictions=version.prediction_count,
                           reports=version.report_count, created_at=version.created_at)
                for version in model_version_list(model=model).annotate(
                    prediction_count=Count("predictions", distinct=True), report_count=Count("reports", distinct=True))]
    today = timezone.localdate()
    since = last_days_start(CHART_DAYS, today=today)
    charts = [daily_chart(title="Reports filed", noun="report", series=[("filed", "Reports")], days=CHART_DAYS,
                          today=today, counts=reports_per_day(user=user, model=model, since=since)),
              daily_chart(title="Feedback from the widget", noun="vote", series=[("up", "Up"), ("down", "Down")],
                          days=CHART_DAYS, today=today, counts=feedback_per_day(model=model, since=since))]
    mix = []
    if can_work:
        # The inference log's volume and outputs are the team's (production data).
        charts.insert(0, daily_chart(title="Predictions logged", noun="prediction", series=[("logged", "Logged")],
                                     days=CHART_DAYS, today=today,
                                     counts=predictions_per_day(model=model, since=since)))
        mix = output_mix(model=model, since=since)
    predictions = list(predictions_recent(model=model, limit=PREDICTIONS_SHOWN)) if can_work else []
    mix_total = sum(count for _, count in mix) or 1
    mix_peak = max((count for _, count in mix), default=1)
    return ModelPage(
        model=model,
        can_work=can_work,
        versions=versions,
        charts=charts,
        chart_days=CHART_DAYS,
        output_mix=[OutputShare(output=output, count=count, share=round(count / mix_total * 100, 1),
                                length=round(count / mix_peak * 100, 1)) for output, count in mix],
        feedback=[row for row in feedback_counts(model=model) if row["total"]],
        reports=list(report_list(user=user).filter(model=model)[:REPORTS_SHOWN]),
        surfaces=list(surface_list(model=model)),
        predictions=predictions[:PREDICTIONS_FIRST],
        more_predictions=predictions[PREDICTIONS_FIRST:],
        suite_runs=suite_history(model=model) if can_work else [],
        suite_cases=reports_for_batch(user=user, model=model, suite="resolved") if can_work else [],
        changes=changes_between(user=user, model=model, limit=CHANGES_SHOWN) if can_work else [],
    )
