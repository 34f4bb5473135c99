from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, PermissionDenied
from apps.registry.selectors import model_version_by_id
from apps.reports.selectors import report_get

from . import selectors, services
from .forms import ExpectedOutcomeForm

RESULTS_ON_PAGE = 200


@login_required
def replay_detail_view(request, pk: int):
    replay = selectors.replay_get(user=request.user, replay_id=pk)
    results = list(selectors.suite_results(replay=replay)[:RESULTS_ON_PAGE]) if replay.suite else list(
        selectors.replay_results(replay=replay).select_related("report")[:RESULTS_ON_PAGE])
    return render(request, "replays/replay_detail.html", {
        "replay": replay, "results": results, "more_results": replay.total > len(results) and replay.is_finished,
    })


@login_required
@require_POST
def report_expectation_view(request, pk: int):
    report = report_get(user=request.user, report_id=pk)
    form = ExpectedOutcomeForm(request.POST)
    try:
        if request.POST.get("clear"):
            services.expected_outcome_clear(actor=request.user, report=report)
            messages.info(request, "The expected outcome was removed: this report is no longer in the suite.")
        elif form.is_valid():
            services.expected_outcome_set(actor=request.user, report=report, predicate=form.cleaned_data["predicate"],
                                          value=form.cleaned_value(), field=form.cleaned_data["field"],
                                          note=form.cleaned_data["note"])
            messages.success(request, "Expected outcome saved: once the incident is resolved, this report is part of "
                                      "the model's regression suite.")
        else:
            messages.error(request, "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect(report)


@login_required
@require_POST
def report_replay_view(request, pk: int):
    """**Replay** on a report's page (routed as `reports:replay`): the report on its own version or
    another of its model's, queued for a worker, then back to the report."""
    report = report_get(user=request.user, report_id=pk)
    # "Replay on another version": any registered version of the report's model; the report's
    # own version when none is chosen.
    version = report.model_version
    if request.POST.get("model_version"):
        version = model_version_by_id(request.POST["model_version"], model=report.model)
        if version is None:
            messages.error(request, f"Choose one of the versions of {report.model.name} to replay on.")
            return redirect(report)
    try:
        replay = services.replay_start(actor=request.user, model_version=version, reports=[report])
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        replay.refresh_from_db()
        # Without a broker the replay has already run by now: say so, rather than "started".
        if replay.is_finished:
            messages.info(request, f"Replay on version {version.version} finished: its verdict is below.")
        else:
            messages.info(request, f"Replay on version {version.version} queued: its verdict appears below "
                                   "when a worker has run it.")
    return redirect(report)
