"""Pages that compose many apps. Each lives here, in the top layer, so that the apps they draw
on (incidents, reports, predictions, feedback, replays) stay independent of one another. They
keep the URL names of the app they present (`home`, `registry:detail`, `registry:suite-run`,
`reports:detail`):
the root URLconf routes them under that app's namespace."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.access import require_work_on_model, user_access
from apps.core.charts import daily_chart
from apps.core.dates import last_days_start
from apps.core.errors import DomainError, PermissionDenied
from apps.feedback.selectors import feedback_counts, feedback_per_day
from apps.forensics.selectors import report_forensics_for
from apps.forensics.strips import input_rows
from apps.incidents.models import ACTIVE_STATUSES
from apps.incidents.selectors import IncidentFilters, incident_list, incident_list_filtered, incidents_as_seen_by
from apps.predictions.selectors import output_mix, predictions_per_day, predictions_recent
from apps.registry.changes import changes_between
from apps.registry.reference_checks import input_checks
from apps.registry.selectors import model_get, model_list, model_version_by_id, model_version_list, surface_list
from apps.replays.forms import ExpectedOutcomeForm
from apps.replays.selectors import expected_outcome_of, replays_for_report, reports_for_batch, suite_history
from apps.replays.services import replay_start
from apps.reports.candidates import prediction_candidates
from apps.reports.selectors import (
    attachment_list,
    report_get,
    report_inputs_withheld,
    report_list,
    reports_per_day,
)

CHART_DAYS = 30
CHANGES_SHOWN = 15


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What is going on now: the active incidents most severe first, the latest reports, the
    models, and the reports filed per day."""
    today = timezone.localdate()
    since = last_days_start(CHART_DAYS, today=today)
    active = incident_list(user=request.user).filter(status__in=ACTIVE_STATUSES)
    counts = active.order_by().aggregate(
        total=Count("pk", distinct=True),
        urgent=Count("pk", filter=Q(severity__in=["critical", "high"]), distinct=True),
        unassigned=Count("pk", filter=Q(owner__isnull=True), distinct=True))
    week = timezone.now() - timedelta(days=7)
    return render(request, "pages/home.html", {
        "models": model_list(),
        "reports": report_list(user=request.user)[:10],
        # Most severe first, then the latest reported: what a triager looks at first.
        "incidents": incidents_as_seen_by(
            user=request.user, incidents=incident_list_filtered(
                user=request.user, filters=IncidentFilters(status="active", sort="severity"))[:10]),
        "stats": {**counts, "reports_week": report_list(user=request.user).filter(created_at__gte=week).count()},
        "chart": daily_chart(title="Reports filed", noun="report", series=[("filed", "Reports")],
                             days=CHART_DAYS, today=today,
                             counts=reports_per_day(user=request.user, since=since)),
    })


@login_required
def model_detail_view(request: HttpRequest, name: str) -> HttpResponse:
    """A model: its versions, its charts, what its inference log says and, for the owning team,
    the recent predictions and the regression suite."""
    model = model_get(name=name)
    # The inference log holds production inputs: only the owning team reads it.
    can_work = user_access(request.user).can_work_on_team(model.team_id)
    versions = model_version_list(model=model).annotate(
        prediction_count=Count("predictions", distinct=True), report_count=Count("reports", distinct=True)
    )
    today = timezone.localdate()
    since = last_days_start(CHART_DAYS, today=today)
    charts = [daily_chart(title="Reports filed", noun="report", series=[("filed", "Reports")], days=CHART_DAYS,
                          today=today, counts=reports_per_day(user=request.user, model=model, since=since)),
              daily_chart(title="Feedback from the widget", noun="vote", series=[("up", "Up"), ("down", "Down")],
                          days=CHART_DAYS, today=today, counts=feedback_per_day(model=model, since=since))]
    mix = []
    if can_work:
        # The inference log's volume and outputs are the team's (production data).
        charts.insert(0, daily_chart(title="Predictions logged", noun="prediction", series=[("logged", "Logged")],
                                     days=CHART_DAYS, today=today,
                                     counts=predictions_per_day(model=model, since=since)))
        mix = output_mix(model=model, since=since)
    mix_total = sum(count for _, count in mix) or 1
    mix_peak = max((count for _, count in mix), default=1)
    return render(request, "pages/model_detail.html", {
        "model": model,
        "versions": versions,
        "can_work": can_work,
        "charts": charts,
        "chart_days": CHART_DAYS,
        # (output, count, share of the log in %, bar length in % of the most frequent output)
        "output_mix": [(output, count, round(count / mix_total * 100, 1), round(count / mix_peak * 100, 1))
                       for output, count in mix],
        "feedback": feedback_counts(model=model),
        "predictions": predictions_recent(model=model, limit=25) if can_work else [],
        "reports": report_list(user=request.user).filter(model=model)[:20],
        "suite_runs": suite_history(model=model) if can_work else [],
        "suite_cases": reports_for_batch(user=request.user, model=model, suite="resolved") if can_work else [],
        "changes": changes_between(user=request.user, model=model, limit=CHANGES_SHOWN) if can_work else [],
        "surfaces": list(surface_list(model=model)),
    })


@login_required
@require_POST
def model_suite_run_view(request: HttpRequest, name: str) -> HttpResponse:
    """**Run the suite on version …**: the same replay as `replay_suite` (every resolved case with
    an expected outcome), queued for a worker; its page shows the progress."""
    model = model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="run its regression suite")
    version = model_version_by_id(request.POST.get("model_version", ""), model=model)
    if version is None:
        messages.error(request, f"Choose one of the versions of {model.name} to run the suite on.")
        return redirect("registry:detail", name=model.name)
    cases = reports_for_batch(user=request.user, model=model, suite="resolved")
    if not cases:
        messages.error(request, "The suite has no cases yet: it holds the reports of resolved incidents that have "
                                "an expected outcome.")
        return redirect("registry:detail", name=model.name)
    try:
        replay = replay_start(actor=request.user, model_version=version, reports=cases, suite=True)
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("registry:detail", name=model.name)
    messages.info(request, f"The suite runs on version {version.version}: {len(cases)} case"
                           f"{'' if len(cases) == 1 else 's'}.")
    return redirect("replays:detail", pk=replay.pk)


@login_required
def report_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A report: what was seen and expected, its inputs against the reference (the most
    suspicious first), its forensics, its replays and, for the team, the expected outcome."""
    report = report_get(user=request.user, report_id=pk)
    access = user_access(request.user)
    can_work = report.model_id is not None and access.can_work_on_team(report.model.team_id)
    replays = replays_for_report(user=request.user, report_id=report.pk) if can_work else []
    inputs_withheld = report_inputs_withheld(user=request.user, report=report)
    expected = expected_outcome_of(report=report)
    initial = {"predicate": expected.predicate, "value": expected.value if isinstance(expected.value, str) else
               json.dumps(expected.value), "field": expected.field, "note": expected.note} if expected else {}
    version = report.model_version
    # Logged inputs belong to the model's team: withheld, nothing about them is drawn either.
    checks = ([] if inputs_withheld or not report.has_inputs or version is None
              else input_checks(model_version=version, features=report.features))
    reference = (version.reference_stats or {}) if version is not None else {}
    inputs = input_rows(checks=checks, reference=reference)
    linkable = can_work and not report.has_inputs
    return render(request, "pages/report_detail.html", {
        "candidates": prediction_candidates(user=request.user, report_id=report.pk) if linkable else None,
        "sort_models": list(model_list()) if report.is_unsorted and access.can_sort else None,
        "expected": expected,
        "expectation_form": ExpectedOutcomeForm(initial=initial) if can_work and report.has_inputs else None,
        "report": report,
        "can_work": can_work,
        "can_sort": report.is_unsorted and access.can_sort,
        "incident_visible": report.incident_id is not None
        and incident_list(user=request.user).filter(pk=report.incident_id).exists(),
        "inputs_withheld": inputs_withheld,
        "inputs": inputs,
        # The finding the page leads with: the most suspicious input, when anything is odd.
        "finding": next((row for row in inputs if row.suspicious), None),
        "latest": next(((replay, result) for replay, result in replays if result is not None), None),
        "versions": list(model_version_list(model=report.model)) if can_work and report.has_inputs else [],
        "has_reference": bool(reference.get("features")),
        "forensics": report_forensics_for(user=request.user, report=report) if report.model_id else None,
        "replays": replays,
        "replay_pending": any(not replay.is_finished for replay, _ in replays),
        "attachments": attachment_list(user=request.user, report_id=report.pk),
    })
