from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.humanize import counted
from apps.incidents.selectors import incident_get_for_work, incident_versions_involved
from apps.registry.selectors import model_version_by_id, model_version_get, model_version_latest
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


# --- Replays on the incident page: the incident's reports on any registered version ----------
# Routed by the root URLconf under /incidents/ in the `incidents` namespace (`incidents:replay`,
# `incidents:replays`). The same services as `POST /api/v1/replays/` with "incident": the
# reports the person may see, run by replay_start. htmx gets the replay panel back (and polls it
# while a run is in progress); without JavaScript, a message and the page.


def _incident_panel(request, incident_id: int):
    incident = incident_get_for_work(user=request.user, incident_id=incident_id)
    panel = selectors.incident_replay_panel(
        user=request.user, incident=incident,
        versions_involved=incident_versions_involved(incidents=[incident])[incident.pk])
    if panel is None:
        raise PermissionDenied(f"Only members of the team that owns '{incident.model.name}' may replay its reports.")
    return incident, panel


def _incident_replay_answer(request, incident_id: int, *, message: str, ok: bool):
    if request.htmx:
        incident, panel = _incident_panel(request, incident_id)
        return render(request, "replays/_incident_panel.html",
                      {"incident": incident, "replay_panel": panel, "replay_done": message if ok else "",
                       "replay_problem": "" if ok else message}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(reverse("incidents:detail", args=[incident_id]) + "#replays")


@login_required
def incident_replays_view(request, pk: int):
    """The replay panel alone: what the incident page polls while a run is in progress."""
    incident, panel = _incident_panel(request, pk)
    return render(request, "replays/_incident_panel.html", {"incident": incident, "replay_panel": panel})


@login_required
@require_POST
def incident_replay_view(request, pk: int):
    """Replays the incident's reports on the chosen version (the newest when none is chosen)."""
    incident, panel = _incident_panel(request, pk)
    requested = request.POST.get("model_version", "").strip()
    try:
        version = (model_version_get(model=incident.model, version=requested) if requested
                   else model_version_latest(model=incident.model))
        if version is None:
            raise InvalidInput(f"{incident.model.name} has no registered version to replay on.")
        reports = selectors.reports_for_batch(user=request.user, model=incident.model, incident=incident.pk)
        replay = services.replay_start(actor=request.user, model_version=version, reports=reports)
    except PermissionDenied:
        raise
    except NotFound:
        choices = ", ".join(choice.value for choice in panel.versions) or "none registered"
        return _incident_replay_answer(request, pk, ok=False, message=(
            f"{incident.model.name} has no version {requested[:60]!r}: choose one of {choices}."))
    except DomainError as error:
        return _incident_replay_answer(request, pk, ok=False, message=error.detail)
    replay.refresh_from_db()
    replayed = f"INC-{pk}'s {counted(replay.total, 'report')} on version {version.version}"
    # Without a broker the run has already finished by now: say so, rather than "started".
    if replay.is_finished:
        message = (f"Replayed {replayed}: {replay.matched} reproduced, {replay.mismatched} changed, "
                   f"{replay.errors} errors." if replay.status == "succeeded"
                   else f"The replay of {replayed} failed: {replay.error_message or 'see the run'}.")
    else:
        message = f"Replay of {replayed} queued: the verdict appears below as a worker runs it."
    return _incident_replay_answer(request, pk, ok=True, message=message)
