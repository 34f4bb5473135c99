"""The Diagnosis card, served to the report and incident pages (which sit in lower layers and
may not import this app) as an htmx fragment: their templates hold a placeholder whose
`hx-get` names these views. Without JavaScript the same URLs are whole pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from apps.reports.selectors import report_get

from . import selectors, services


def _card(request, template: str, context: dict):
    if request.htmx:
        return render(request, template, context)
    return render(request, "diagnosis/page.html", context | {"card": template})


@login_required
@require_safe
def report_card_view(request, pk: int):
    report = report_get(user=request.user, report_id=pk)
    diagnosis = selectors.diagnosis_of(user=request.user, report=report)
    return _card(request, "diagnosis/_report_card.html", {"diagnosis": diagnosis, "report": report})


@login_required
@require_safe
def incident_card_view(request, pk: int):
    diagnosis = selectors.incident_diagnosis_get(user=request.user, incident_id=pk)
    return _card(request, "diagnosis/_incident_card.html", {"diagnosis": diagnosis})


@login_required
@require_POST
def report_recompute_view(request, pk: int):
    report = report_get(user=request.user, report_id=pk)
    services.diagnosis_request(report=report, actor=request.user)
    if request.htmx:
        diagnosis = selectors.diagnosis_of(user=request.user, report=report)
        return render(request, "diagnosis/_report_card.html", {"diagnosis": diagnosis, "report": report})
    messages.success(request, "The diagnosis runs again.")
    return redirect(report.get_absolute_url() + "#diagnosis")
