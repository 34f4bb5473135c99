from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from apps.accounts.access import user_access
from apps.feedback.selectors import feedback_counts
from apps.predictions.selectors import predictions_recent
from apps.replays.selectors import suite_history
from apps.reports.selectors import report_list

from . import selectors


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
    return render(request, "registry/model_detail.html", {
        "model": model,
        "versions": versions,
        "can_work": can_work,
        "feedback": feedback_counts(model=model),
        "predictions": predictions_recent(model=model, limit=25) if can_work else [],
        "reports": report_list(user=request.user).filter(model=model)[:20],
        "suite_runs": suite_history(model=model) if can_work else [],
    })
