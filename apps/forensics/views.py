from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.access import require_work_on_model
from apps.registry.selectors import model_get, model_version_list
from apps.reports.selectors import report_get

from . import selectors, services
from .charts import histogram_bars
from .forms import DriftWindowForm


@login_required
@require_safe
def model_drift_view(request, name: str):
    model = model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="see its drift reports")
    versions = list(model_version_list(model=model))
    return render(request, "forensics/model_drift.html", {
        "model": model, "form": DriftWindowForm(versions=versions),
        "drift_reports": selectors.drift_report_list(user=request.user, model=model)[:50],
    })


@login_required
@require_POST
def drift_start_view(request, name: str):
    model = model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="compute drift reports")
    versions = list(model_version_list(model=model))
    form = DriftWindowForm(request.POST, versions=versions)
    if not form.is_valid():
        messages.error(request, "Choose a version and a window of 1 hour to 92 days.")
        return redirect("forensics:model-drift", name=model.name)
    version = next(v for v in versions if str(v.pk) == form.cleaned_data["model_version"])
    end = timezone.now()
    drift = services.drift_report_request(model_version=version, actor=request.user,
                                          start=end - timedelta(hours=form.cleaned_data["hours"]), end=end)
    messages.info(request, "Drift report started.")
    return redirect(drift)


@login_required
@require_safe
def drift_detail_view(request, pk: int):
    drift = selectors.drift_report_get(user=request.user, drift_report_id=pk)
    rows = []
    for name, result in (drift.features or {}).items():
        rows.append({"name": name, "result": result, "chart": histogram_bars(result.get("histogram"))})
    rows.sort(key=lambda row: (not row["result"].get("drifted"), -(row["result"].get("psi") or 0), row["name"]))
    # The joint view: rows whose value does not fit the other features, raised ones first.
    joint = sorted(({"name": name, **result["joint"]} for name, result in (drift.features or {}).items()
                    if result.get("joint")),
                   key=lambda row: (not row["raised"], -row["window_share"], row["name"]))
    return render(request, "forensics/drift_detail.html", {"drift": drift, "rows": rows, "joint": joint})


@login_required
@require_POST
def report_forensics_recompute_view(request, pk: int):
    report = report_get(user=request.user, report_id=pk)
    services.report_forensics_request(report=report, actor=request.user)
    messages.info(request, "Forensics are being recomputed.")
    return redirect(report)
