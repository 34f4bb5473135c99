
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.access import require_work_on_model, user_access
from apps.core.charts import daily_chart
from apps.core.dates import last_days_start
from apps.core.errors import DomainError, PermissionDenied
from apps.feedback.selectors import feedback_counts, feedback_per_day
from apps.predictions.selectors import output_mix, predictions_per_day, predictions_recent
from apps.replays.selectors import reports_for_batch, suite_history
from apps.replays.services import replay_start
from apps.reports.selectors import report_list, reports_per_day

from . import selectors, services

CHART_DAYS = 30


@login_required
def model_list_view(request):
    return render(request, "registry/model_list.html", {"models": selectors.model_list()})


@login_required
def model_detail_view(request, name: str):
    model = selectors.model_get(name=name)
    # The inference log holds production inputs: only the owning team reads it.
    can_work = user_access(request.user).can_work_on_team(model.team_id)
    versions = selectors.model_version_list(model=model).annotate(
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
    return render(request, "registry/model_detail.html", {
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
        "surfaces": list(selectors.surface_list(model=model)),
    })


def _version_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


@login_required
@require_POST
def model_surfaces_view(request, name: str):
    """The team keeps the places where people see the model's answers: add, rename or point at
    another current version, remove. The report form offers them by name."""
    model = selectors.model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="change where its answers are shown")
    action = request.POST.get("action", "add")
    surface = None
    if action in ("update", "remove"):
        surface = selectors.surface_list(model=model).filter(pk=_version_id(request.POST.get("surface", ""))).first()
        if surface is None:
            messages.error(request, "That place is no longer listed: look again.")
            return redirect(f"{reverse('registry:detail', args=[model.name])}#surfaces")
    try:
        if action == "remove":
            services.surface_remove(surface=surface, actor=request.user)
            messages.success(request, f"“{surface.name}” is no longer offered on the report form.")
        elif action == "update":
            services.surface_update(surface=surface, name=request.POST.get("name", surface.name),
                                    current_version_id=_version_id(request.POST.get("current_version", "")),
                                    actor=request.user)
            messages.success(request, f"Saved “{surface.name}”.")
        else:
            added = services.surface_add(model=model, key=request.POST.get("key", ""),
                                         name=request.POST.get("name", ""),
                                         current_version_id=_version_id(request.POST.get("current_version", "")),
                                         actor=request.user)
            messages.success(request, f"People can now choose “{added.name}” on the report form.")
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, " ".join(message for messages_ in error.errors.values() for message in messages_)
                       or error.detail)
    return redirect(f"{reverse('registry:detail', args=[model.name])}#surfaces")


@login_required
@require_POST
def model_suite_run_view(request, name: str):
    """**Run the suite on version …**: the same replay as `replay_suite` (every resolved case with
    an expected outcome), queued for a worker; its page shows the progress."""
    model = selectors.model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="run its regression suite")
    version = selectors.model_version_by_id(request.POST.get("model_version", ""), model=model)
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
